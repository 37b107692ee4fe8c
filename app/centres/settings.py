"""Centre settings: the centres' deadlines and minimums, each a default with the rule it comes from.

A centre stores only what it overrides; everything else is inherited from the
nearest ancestor that sets it, and from the default below when none does.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.centres.models import Centre, CentreSetting
from app.extensions import db


@dataclass(frozen=True)
class SettingDef:
    key: str
    default: int
    unit: str  # working_days | days | months | percent | yuan | count | month_day
    label: object
    # The plain name of the rule the default comes from, shown to administrators as a tooltip.
    source: object = ""
    minimum: int = 1
    maximum: int = 3650  # every setting has an upper bound, so no figure can overflow its column
    # The app's config key whose value, when set, replaces ``default`` (the installation's own default).
    config_key: str = ""
    # Why a value below ``minimum`` is refused, when a rule of law sets it (said instead of the range).
    below_minimum: object = ""

    def default_value(self) -> int:
        """The default of this installation: ``config_key``'s value kept within the bounds, else ``default``."""
        if self.config_key and has_app_context():
            value = current_app.config.get(self.config_key)
            if value is not None:
                return min(max(int(value), self.minimum), self.maximum)
        return self.default

    def range_error(self, value: int):
        """The message refusing ``value``, or None when it is within the bounds."""
        if value < self.minimum and self.below_minimum:
            return self.below_minimum
        if not self.minimum <= value <= self.maximum:
            return _l("Enter a whole number from %(lo)d to %(hi)d.", lo=self.minimum, hi=self.maximum)
        return None


UNIT_LABELS = {
    "working_days": _l("working days"),
    "days": _l("calendar days"),
    "months": _l("months"),
    "percent": _l("%"),
    "yuan": _l("yuan"),
    "count": _l("per month"),
    "per_year": _l("per enterprise per year"),
    "day_of_january": _l("January (day)"),
    "years": _l("years"),
}

SETTINGS: tuple[SettingDef, ...] = (
    SettingDef(
        "acknowledge_working_days",
        1,
        "working_days",
        _l("Acknowledge a new complaint within"),
        _l("The centre's practice"),
    ),
    SettingDef(
        "decision_working_days",
        3,
        "working_days",
        _l("Decide to accept or decline within"),
        _l("Zhejiang Province Patent Regulations (2015)"),
    ),
    SettingDef(
        "feedback_working_days",
        1,
        "working_days",
        _l("Tell the applicant of a decision or outcome within"),
        _l("The centre's practice of quick feedback"),
    ),
    SettingDef(
        "acceptance_contact_working_days",
        3,
        "working_days",
        _l("After accepting a case, contact the applicant within"),
        _l("The centre's practice, stated on the acceptance notice"),
    ),
    SettingDef(
        "objection_days",
        15,
        "days",
        _l("An applicant may object to a decision not to accept within"),
        _l("The centre's practice, stated on the notice of non-acceptance"),
        maximum=365,
    ),
    SettingDef(
        "mediation_reply_days",
        15,
        "days",
        _l("The respondent answers a mediation request within"),
        _l("Administrative patent mediation practice (Shanghai guide, 2021)"),
        maximum=90,
    ),
    SettingDef(
        "mediation_design_days",
        10,
        "days",
        _l("Fast mediation deadline, design patents"),
        _l("Targets for fast collaborative protection of IP (2016); the fast deadlines apply to patents only"),
        maximum=365,
    ),
    SettingDef(
        "mediation_utility_model_months",
        1,
        "months",
        _l("Fast mediation deadline, utility model and invention patents"),
        _l("Targets for fast collaborative protection of IP (2016); the fast deadlines apply to patents only"),
        maximum=24,
    ),
    SettingDef(
        "judicial_confirmation_days",
        30,
        "days",
        _l("Apply for judicial confirmation of an agreement within"),
        _l("Civil Procedure Law (2023), art. 205"),
        maximum=365,
    ),
    SettingDef(
        "ruling_months",
        3,
        "months",
        _l("Administrative ruling on a patent dispute"),
        _l("Measures for administrative rulings on patent disputes (2025)"),
    ),
    SettingDef(
        "ruling_max_months",
        5,
        "months",
        _l("Administrative ruling, extended maximum"),
        _l("Measures for administrative rulings on patent disputes (2025)"),
    ),
    SettingDef(
        "referral_transfer_working_days",
        5,
        "working_days",
        _l("Transfer a referral within"),
        _l("Rules for referring cases to enforcement agencies"),
    ),
    SettingDef(
        "referral_chase_days",
        30,
        "days",
        _l("Chase the enforcement agency after"),
        _l("Rules for referring cases to enforcement agencies"),
    ),
    SettingDef(
        "visits_per_month",
        1,
        "count",
        _l("On-site visits at least"),
        _l("Notice on IP rights-protection assistance work (2018), item 2"),
        maximum=100,
    ),
    SettingDef(
        "fund_support_percent",
        50,
        "percent",
        _l("Fund support share of fees"),
        _l("Changzhou IP protection fund measures (2024)"),
        maximum=100,
    ),
    SettingDef(
        "fund_cap_per_request_yuan",
        500_000,
        "yuan",
        _l("Fund cap per request"),
        _l("Changzhou IP protection fund measures (2024)"),
        maximum=10**10,
    ),
    SettingDef(
        "fund_annual_cap_yuan",
        15_000_000,
        "yuan",
        _l("Fund annual cap"),
        _l("Shenzhen IP protection fund measures (2023)"),
        maximum=10**11,
    ),
    SettingDef(
        "fund_requests_per_year",
        1,
        "per_year",
        _l("Approved fund requests, at most"),
        _l("Shenzhen IP protection fund measures (2023)"),
        maximum=12,
    ),
    SettingDef(
        "annual_report_due_day",
        31,
        "day_of_january",
        _l("Annual SME report due by"),
        _l("Opinions on supporting small and micro enterprises (2014)"),
        maximum=31,
    ),
    # ``app.privacy.retention``: never below the general limitation period, while the complainant
    # may still need the records to go to court.
    SettingDef(
        "privacy_retention_years",
        5,
        "years",
        _l("Anonymise complainants' personal data once a case has ended for"),
        _l("Personal Information Protection Law, art. 19; Civil Code, art. 188"),
        minimum=3,
        maximum=30,
        config_key="PRIVACY_RETENTION_YEARS",
        below_minimum=_l(
            "Keep personal data at least 3 years after a case ends: the general limitation period of the "
            "Civil Code (art. 188), during which the complainant may still need the records to go to court."
        ),
    ),
)

SETTINGS_BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class EffectiveSetting:
    definition: SettingDef
    value: int
    own_value: int | None  # set on this very centre
    inherited_from: Centre | None  # the ancestor that set it, None when it is the default or own

    @property
    def is_default(self) -> bool:
        return self.own_value is None and self.inherited_from is None


def effective_settings(centre: Centre) -> dict[str, EffectiveSetting]:
    """Every setting of ``centre``, resolved through its ancestors in one query."""
    ids = centre.ancestor_ids or [centre.id]
    rows = db.session.execute(
        select(CentreSetting, Centre)
        .join(Centre, Centre.id == CentreSetting.centre_id)
        .where(CentreSetting.centre_id.in_(ids))
    ).all()
    depth = {cid: i for i, cid in enumerate(ids)}
    best: dict[str, tuple[int, CentreSetting, Centre]] = {}
    for setting, owner in rows:
        d = depth[setting.centre_id]
        if setting.key in SETTINGS_BY_KEY and (setting.key not in best or d > best[setting.key][0]):
            best[setting.key] = (d, setting, owner)
    result = {}
    for definition in SETTINGS:
        found = best.get(definition.key)
        if found is None:
            result[definition.key] = EffectiveSetting(definition, definition.default_value(), None, None)
        elif found[1].centre_id == centre.id:
            result[definition.key] = EffectiveSetting(definition, found[1].value, found[1].value, None)
        else:
            result[definition.key] = EffectiveSetting(definition, found[1].value, None, found[2])
    return result


def setting_value(centre: Centre, key: str) -> int:
    return effective_settings(centre)[key].value
