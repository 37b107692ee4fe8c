"""SME size classes of 工信部联企业〔2011〕300号 (SME_SIZE.md), as data.

``classify`` is pure: figures in, a class plus the comparisons that decided
it out, so the page can show *why* a firm is micro, small, medium or large.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.enums import LabelledEnum


class Industry(LabelledEnum):
    AGRICULTURE = "agriculture"
    INDUSTRY = "industry"
    CONSTRUCTION = "construction"
    WHOLESALE = "wholesale"
    RETAIL = "retail"
    TRANSPORT = "transport"
    WAREHOUSING = "warehousing"
    POSTAL = "postal"
    ACCOMMODATION = "accommodation"
    CATERING = "catering"
    INFORMATION_TRANSMISSION = "information_transmission"
    SOFTWARE_IT = "software_it"
    REAL_ESTATE_DEVELOPMENT = "real_estate_development"
    PROPERTY_MANAGEMENT = "property_management"
    LEASING_BUSINESS = "leasing_business"
    OTHER = "other"

    @classmethod
    def _labels(cls):
        return {
            cls.AGRICULTURE: _l("Agriculture, forestry, animal husbandry, fishery"),
            cls.INDUSTRY: _l("Industry (mining, manufacturing, utilities)"),
            cls.CONSTRUCTION: _l("Construction"),
            cls.WHOLESALE: _l("Wholesale"),
            cls.RETAIL: _l("Retail"),
            cls.TRANSPORT: _l("Transport"),
            cls.WAREHOUSING: _l("Warehousing"),
            cls.POSTAL: _l("Postal services"),
            cls.ACCOMMODATION: _l("Accommodation"),
            cls.CATERING: _l("Catering"),
            cls.INFORMATION_TRANSMISSION: _l("Information transmission"),
            cls.SOFTWARE_IT: _l("Software and IT services"),
            cls.REAL_ESTATE_DEVELOPMENT: _l("Real-estate development"),
            cls.PROPERTY_MANAGEMENT: _l("Property management"),
            cls.LEASING_BUSINESS: _l("Leasing and business services"),
            cls.OTHER: _l("Other, not listed"),
        }


class SizeClass(LabelledEnum):
    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"
    # Recorded by code and name alone (e.g. through the API): classified once its figures are given.
    UNKNOWN = "unknown"

    @classmethod
    def _labels(cls):
        return {
            cls.LARGE: _l("Large enterprise"),
            cls.MEDIUM: _l("Medium enterprise"),
            cls.SMALL: _l("Small enterprise"),
            cls.MICRO: _l("Micro enterprise"),
            cls.UNKNOWN: _l("Size not known yet"),
        }


STAFF, REVENUE, ASSETS = "staff", "revenue", "assets"


@dataclass(frozen=True)
class SizeRule:
    sme_if_below: tuple[tuple[str, int], ...]  # SME when under ANY of these limits
    medium: tuple[tuple[str, int], ...]  # medium when at or above EVERY bound
    small: tuple[tuple[str, int], ...]  # small when at or above EVERY bound

    @property
    def fields(self) -> set[str]:
        return {f for f, _ in self.sme_if_below + self.medium + self.small}


RULES: dict[Industry, SizeRule] = {
    Industry.AGRICULTURE: SizeRule(((REVENUE, 20000),), ((REVENUE, 500),), ((REVENUE, 50),)),
    Industry.INDUSTRY: SizeRule(
        ((STAFF, 1000), (REVENUE, 40000)), ((STAFF, 300), (REVENUE, 2000)), ((STAFF, 20), (REVENUE, 300))
    ),
    Industry.CONSTRUCTION: SizeRule(
        ((REVENUE, 80000), (ASSETS, 80000)), ((REVENUE, 6000), (ASSETS, 5000)), ((REVENUE, 300), (ASSETS, 300))
    ),
    Industry.WHOLESALE: SizeRule(
        ((STAFF, 200), (REVENUE, 40000)), ((STAFF, 20), (REVENUE, 5000)), ((STAFF, 5), (REVENUE, 1000))
    ),
    Industry.RETAIL: SizeRule(
        ((STAFF, 300), (REVENUE, 20000)), ((STAFF, 50), (REVENUE, 500)), ((STAFF, 10), (REVENUE, 100))
    ),
    Industry.TRANSPORT: SizeRule(
        ((STAFF, 1000), (REVENUE, 30000)), ((STAFF, 300), (REVENUE, 3000)), ((STAFF, 20), (REVENUE, 200))
    ),
    Industry.WAREHOUSING: SizeRule(
        ((STAFF, 200), (REVENUE, 30000)), ((STAFF, 100), (REVENUE, 1000)), ((STAFF, 20), (REVENUE, 100))
    ),
    Industry.POSTAL: SizeRule(
        ((STAFF, 1000), (REVENUE, 30000)), ((STAFF, 300), (REVENUE, 2000)), ((STAFF, 20), (REVENUE, 100))
    ),
    Industry.ACCOMMODATION: SizeRule(
        ((STAFF, 300), (REVENUE, 10000)), ((STAFF, 100), (REVENUE, 2000)), ((STAFF, 10), (REVENUE, 100))
    ),
    Industry.CATERING: SizeRule(
        ((STAFF, 300), (REVENUE, 10000)), ((STAFF, 100), (REVENUE, 2000)), ((STAFF, 10), (REVENUE, 100))
    ),
    Industry.INFORMATION_TRANSMISSION: SizeRule(
        ((STAFF, 2000), (REVENUE, 100000)), ((STAFF, 100), (REVENUE, 1000)), ((STAFF, 10), (REVENUE, 100))
    ),
    Industry.SOFTWARE_IT: SizeRule(
        ((STAFF, 300), (REVENUE, 10000)), ((STAFF, 100), (REVENUE, 1000)), ((STAFF, 10), (REVENUE, 50))
    ),
    Industry.REAL_ESTATE_DEVELOPMENT: SizeRule(
        ((REVENUE, 200000), (ASSETS, 10000)), ((REVENUE, 1000), (ASSETS, 5000)), ((REVENUE, 100), (ASSETS, 2000))
    ),
    Industry.PROPERTY_MANAGEMENT: SizeRule(
        ((STAFF, 1000), (REVENUE, 5000)), ((STAFF, 300), (REVENUE, 1000)), ((STAFF, 100), (REVENUE, 500))
    ),
    Industry.LEASING_BUSINESS: SizeRule(
        ((STAFF, 300), (ASSETS, 120000)), ((STAFF, 100), (ASSETS, 8000)), ((STAFF, 10), (ASSETS, 100))
    ),
    Industry.OTHER: SizeRule(((STAFF, 300),), ((STAFF, 100),), ((STAFF, 10),)),
}


def needs_assets(industry: Industry) -> bool:
    return ASSETS in RULES[Industry(industry)].fields


@dataclass(frozen=True)
class Comparison:
    stage: str  # "sme" | "medium" | "small"
    field: str
    value: Decimal
    bound: int
    met: bool  # for "sme": value < bound; otherwise value >= bound


@dataclass
class SizeAssessment:
    industry: Industry
    size_class: SizeClass
    comparisons: list[Comparison] = field(default_factory=list)


def classify(industry, staff, revenue, assets=None) -> SizeAssessment:
    """Classify a firm by SME_SIZE.md: large, else medium, else small, else micro."""
    industry = Industry(industry)
    rule = RULES[industry]
    figures = {STAFF: staff, REVENUE: revenue, ASSETS: assets}
    for name in rule.fields:
        if figures[name] is None:
            raise ValueError(f"{name} is needed to classify industry {industry.value}")
        if Decimal(figures[name]) < 0:
            raise ValueError(f"{name} cannot be negative")

    def compare(stage, bounds):
        if stage == "sme":
            return [Comparison(stage, f, Decimal(figures[f]), b, Decimal(figures[f]) < b) for f, b in bounds]
        return [Comparison(stage, f, Decimal(figures[f]), b, Decimal(figures[f]) >= b) for f, b in bounds]

    sme = compare("sme", rule.sme_if_below)
    if not any(c.met for c in sme):
        return SizeAssessment(industry, SizeClass.LARGE, sme)
    medium = compare("medium", rule.medium)
    if all(c.met for c in medium):
        return SizeAssessment(industry, SizeClass.MEDIUM, sme + medium)
    small = compare("small", rule.small)
    if all(c.met for c in small):
        return SizeAssessment(industry, SizeClass.SMALL, sme + medium + small)
    return SizeAssessment(industry, SizeClass.MICRO, sme + medium + small)


def _field_label(name: str) -> str:
    return {STAFF: _("staff"), REVENUE: _("revenue (10k yuan)"), ASSETS: _("total assets (10k yuan)")}[name]


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def explain(assessment: SizeAssessment | None) -> list[str]:
    """Sentences, in the current locale, saying why the firm has its class (``None``: its figures are missing)."""
    if assessment is None:
        return [_("The size class is not known until the enterprise's industry, staff and revenue are given.")]
    lines = [_("Industry row: %(industry)s.", industry=assessment.industry.label)]
    by_stage: dict[str, list[Comparison]] = {}
    for c in assessment.comparisons:
        by_stage.setdefault(c.stage, []).append(c)

    locale = get_locale()
    separator = "，" if locale is not None and locale.language == "zh" else ", "

    def items(comps, sign):
        return separator.join(f"{_field_label(c.field)} {_fmt(c.value)} {sign} {c.bound}" for c in comps)

    sme = by_stage.get("sme", [])
    if assessment.size_class is SizeClass.LARGE:
        lines.append(_("Not an SME: no figure is under the SME limit (%(items)s).", items=items(sme, "≥")))
        return lines
    under = [c for c in sme if c.met]
    lines.append(_("An SME: %(items)s.", items=items(under, "<")))
    medium = by_stage.get("medium", [])
    if assessment.size_class is SizeClass.MEDIUM:
        lines.append(_("Medium: meets every medium bound (%(items)s).", items=items(medium, "≥")))
        return lines
    lines.append(_("Not medium: %(items)s.", items=items([c for c in medium if not c.met], "<")))
    small = by_stage.get("small", [])
    if assessment.size_class is SizeClass.SMALL:
        lines.append(_("Small: meets every small bound (%(items)s).", items=items(small, "≥")))
    else:
        lines.append(_("Micro: below a small bound (%(items)s).", items=items([c for c in small if not c.met], "<")))
    return lines
