"""``POST /api/v1/cases``: the body read into the arguments of ``create_case``.

Types and shapes are checked here, every field's problem at once (422 naming
each JSON path); what a value means (patent numbers, credit codes, what a kind
of case requires, who may file for whom) is for the services, whose field
names are mapped back to the JSON paths the client sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.api.errors import ApiError, invalid
from app.api.validation import Problems, enum_value, opt_bool, opt_figure, opt_int, opt_text, refuse_unknown
from app.auth.models import Role
from app.cases import workflow
from app.cases.enums import CaseKind, Channel, IPType
from app.cases.services import MAX_AMOUNT_FEN, MAX_RESPONDENTS, MAX_RIGHTS
from app.core.errors import ServiceError
from app.core.identifiers import IdentifierError, normalise_credit_code
from app.enterprises.services import ENTERPRISE_FIELDS
from app.enterprises.sme_size import Industry

CASE_FIELDS = (
    "kind",
    "channel",
    "enterprise",
    "ip_right",
    "ip_rights",
    "respondent",
    "respondents",
    "title",
    "facts",
    "help_wanted",
    "claimed_amount_fen",
    "draft",
)
ENTERPRISE_KEYS = ("credit_code", *ENTERPRISE_FIELDS)
RIGHT_KEYS = ("type", "number", "title")
RESPONDENT_KEYS = ("name", "credit_code", "address", "url")
MAX_FIGURE = Decimal("1000000000000")  # 10k yuan: Numeric(14, 2)
MAX_STAFF = 10_000_000


@dataclass
class NewCase:
    fields: dict  # keyword arguments of create_case (all but the enterprise)
    enterprise: dict  # the checked enterprise object
    field_paths: dict = field(default_factory=dict)  # service field name -> JSON path


def parse_new_case(body: dict) -> NewCase:
    problems = Problems()
    refuse_unknown(body, CASE_FIELDS, "", problems)
    kind = enum_value(body.get("kind"), CaseKind, "kind", problems, required=True)
    channel = enum_value(body.get("channel"), Channel, "channel", problems, required=True)
    enterprise = _enterprise(body.get("enterprise"), problems)

    if body.get("ip_right") is not None and body.get("ip_rights") is not None:
        problems.add("ip_rights", _l("Give either ip_right or ip_rights, not both."))
    if body.get("respondent") is not None and body.get("respondents") is not None:
        problems.add("respondents", _l("Give either respondent or respondents, not both."))
    rights_key = "ip_rights" if body.get("ip_rights") is not None else "ip_right"
    respondents_key = "respondents" if body.get("respondents") is not None else "respondent"
    rights = _items(body, rights_key, MAX_RIGHTS, RIGHT_KEYS, _right, problems)
    respondents = _items(body, respondents_key, MAX_RESPONDENTS, RESPONDENT_KEYS, _respondent, problems)

    title = opt_text(body, "title", "title", problems, 200)
    facts = opt_text(body, "facts", "facts", problems, 20000)
    help_wanted = opt_text(body, "help_wanted", "help_wanted", problems, 5000)
    amount = opt_int(body, "claimed_amount_fen", "claimed_amount_fen", problems, 0, MAX_AMOUNT_FEN)
    draft = opt_bool(body, "draft", "draft", problems)
    problems.raise_if_any()

    return NewCase(
        fields={
            "kind": kind.value,
            "channel": channel.value,
            "title": title or "",
            "rights": rights,
            "respondents": respondents,
            "facts": facts or "",
            "help_wanted": help_wanted or "",
            "claimed_amount_fen": amount,
            "draft": bool(draft),
        },
        enterprise=enterprise or {},
        field_paths={
            "kind": "kind",
            "channel": "channel",
            "enterprise": "enterprise.credit_code",
            "ip_right": rights_key,
            "ip_type": f"{rights_key}.type" if rights_key == "ip_right" else rights_key,
            "ip_number": f"{rights_key}.number" if rights_key == "ip_right" else rights_key,
            "ip_title": f"{rights_key}.title" if rights_key == "ip_right" else rights_key,
            "respondent_name": f"{respondents_key}.name" if respondents_key == "respondent" else respondents_key,
            "respondent_credit_code": (
                f"{respondents_key}.credit_code" if respondents_key == "respondent" else respondents_key
            ),
            "respondent_address": f"{respondents_key}.address" if respondents_key == "respondent" else respondents_key,
            "respondent_url": f"{respondents_key}.url" if respondents_key == "respondent" else respondents_key,
            "title": "title",
            "facts": "facts",
            "help_wanted": "help_wanted",
            "claimed_amount": "claimed_amount_fen",
        },
    )


def _items(body: dict, key: str, limit: int, keys, read, problems: Problems) -> list[dict]:
    """``ip_right``/``respondent`` (one object or null) or ``ip_rights``/``respondents`` (a list)."""
    value = body.get(key)
    if value is None:
        return []
    if key in ("ip_right", "respondent"):
        if not isinstance(value, dict):
            problems.add(key, _l("Must be an object."))
            return []
        item = read(value, key, problems)
        return [item] if item is not None else []
    if not isinstance(value, list):
        problems.add(key, _l("Must be a list."))
        return []
    if len(value) > limit:
        problems.add(key, _l("Give at most %(n)d.", n=limit))
        return []
    out = []
    for index, item in enumerate(value):
        path = f"{key}[{index}]"
        if not isinstance(item, dict):
            problems.add(path, _l("Must be an object."))
            continue
        read_item = read(item, path, problems)
        if read_item is not None:
            out.append(read_item)
    return out


def _right(obj: dict, path: str, problems: Problems) -> dict | None:
    refuse_unknown(obj, RIGHT_KEYS, path, problems)
    ip_type = enum_value(obj.get("type"), IPType, f"{path}.type", problems, required=True)
    number = opt_text(obj, "number", f"{path}.number", problems, 60)
    title = opt_text(obj, "title", f"{path}.title", problems, 200)
    if ip_type is None:
        return None
    return {"type": ip_type.value, "number": number or "", "title": title or ""}


def _respondent(obj: dict, path: str, problems: Problems) -> dict | None:
    refuse_unknown(obj, RESPONDENT_KEYS, path, problems)
    name = opt_text(obj, "name", f"{path}.name", problems, 200)
    if obj.get("name") is None:
        problems.add(f"{path}.name", _l("Required: the respondent's name."))
    credit_code = opt_text(obj, "credit_code", f"{path}.credit_code", problems, 40)
    address = opt_text(obj, "address", f"{path}.address", problems, 300)
    url = opt_text(obj, "url", f"{path}.url", problems, 500)
    return {"name": name or "", "credit_code": credit_code, "address": address, "url": url}


def _enterprise(value, problems: Problems) -> dict | None:
    if value is None:
        problems.add("enterprise.credit_code", _l("Required: the enterprise's unified social credit code."))
        return None
    if not isinstance(value, dict):
        problems.add("enterprise", _l("Must be an object."))
        return None
    refuse_unknown(value, ENTERPRISE_KEYS, "enterprise", problems)
    code = opt_text(value, "credit_code", "enterprise.credit_code", problems, 40)
    if value.get("credit_code") is None:
        problems.add("enterprise.credit_code", _l("Required: the enterprise's unified social credit code."))
    data = {
        "credit_code": code,
        "name": opt_text(value, "name", "enterprise.name", problems, 200),
        "address": opt_text(value, "address", "enterprise.address", problems, 300),
        "region": opt_text(value, "region", "enterprise.region", problems, 100),
        "industry": enum_value(value.get("industry"), Industry, "enterprise.industry", problems),
        "staff_count": opt_int(value, "staff_count", "enterprise.staff_count", problems, 0, MAX_STAFF),
        "revenue_wan": opt_figure(value, "revenue_wan", "enterprise.revenue_wan", problems, MAX_FIGURE),
        "assets_wan": opt_figure(value, "assets_wan", "enterprise.assets_wan", problems, MAX_FIGURE),
    }
    for flag in ("is_specialised_new", "is_little_giant", "is_in_hardship"):
        data[flag] = opt_bool(value, flag, f"enterprise.{flag}", problems)
    return data


def resolve_enterprise(user, data: dict):
    """The enterprise a new case is for, found by its credit code.

    An applicant files only for their own (an unknown code answers the same as another's,
    so codes cannot be probed). Staff who may file record an unknown enterprise when the
    body gives enough about it (name, industry, staff and revenue, and assets where the
    industry's size rule needs them); otherwise 422 names what is missing.
    """
    from app.enterprises.services import find_enterprise, record_enterprise
    from app.enterprises.sme_size import needs_assets

    try:
        code = normalise_credit_code(data.get("credit_code") or "")
    except IdentifierError as exc:
        raise invalid({"enterprise.credit_code": exc.message}) from None
    firm = find_enterprise(code)
    if firm is not None:
        return firm
    if user.role is Role.APPLICANT:
        raise invalid({"enterprise.credit_code": _l("You can file cases only for your own enterprise.")})
    if user.role not in workflow.HANDLERS:
        raise ApiError(403, _l("Your role cannot file cases."))
    missing = Problems()
    for key in ("name", "industry", "staff_count", "revenue_wan"):
        if data.get(key) in (None, "") or (isinstance(data.get(key), str) and not data[key].strip()):
            missing.add(f"enterprise.{key}", _l("No enterprise has this credit code yet; give this to record it."))
    if data.get("industry") is not None and needs_assets(data["industry"]) and data.get("assets_wan") is None:
        missing.add("enterprise.assets_wan", _l("Total assets are needed to classify this industry."))
    missing.raise_if_any()
    values = {k: v for k, v in data.items() if k != "credit_code" and v is not None}
    values["industry"] = data["industry"].value
    try:
        return record_enterprise(user, code, values)
    except ServiceError as exc:
        raise invalid({f"enterprise.{exc.field or 'credit_code'}": exc.message}) from None
