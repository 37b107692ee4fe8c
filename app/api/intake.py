"""``POST /api/v1/cases``: the body read into the arguments of ``create_case``.

Types and shapes are checked by ``app.api.schemas.NewCase``, every field's problem at once (422 naming
each JSON path); what a value means (patent numbers, credit codes, what a kind
of case requires, who may file for whom) is for the services, whose field
names are mapped back to the JSON paths the client sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from app.api import schemas
from app.api.errors import ApiError, invalid
from app.api.validation import Problems
from app.auth.models import Role
from app.cases import workflow
from app.core.errors import ServiceError
from app.core.identifiers import IdentifierError, normalise_credit_code


@dataclass
class NewCase:
    fields: dict  # keyword arguments of create_case (all but the enterprise)
    enterprise: dict | None  # the checked enterprise object (None for a person or an anonymous tip-off)
    field_paths: dict = field(default_factory=dict)  # service field name -> JSON path


def parse_new_case(body: schemas.NewCase) -> NewCase:
    """The checked body (``schemas.NewCase``) as the arguments of ``create_case``."""
    rights_key = "ip_rights" if body.ip_rights is not None else "ip_right"
    respondents_key = "respondents" if body.respondents is not None else "respondent"
    rights = body.ip_rights if body.ip_rights is not None else [body.ip_right] if body.ip_right else []
    respondents = body.respondents if body.respondents is not None else [body.respondent] if body.respondent else []

    def one(key: str, sub: str) -> str:
        return f"{key}.{sub}" if key in ("ip_right", "respondent") else key

    return NewCase(
        fields={
            "kind": body.kind.value,
            "channel": body.channel.value,
            "title": body.title or "",
            "rights": [{"type": r.type.value, "number": r.number or "", "title": r.title or ""} for r in rights],
            "respondents": [
                {"name": r.name or "", "credit_code": r.credit_code, "address": r.address, "url": r.url}
                for r in respondents
            ],
            "facts": body.facts or "",
            "help_wanted": body.help_wanted or "",
            "claimed_amount_fen": body.claimed_amount_fen,
            "draft": bool(body.draft),
            "complainant": body.complainant.model_dump() if body.complainant is not None else None,
            "call": body.call.model_dump() if body.call is not None else None,
        },
        enterprise=body.enterprise.model_dump() if body.enterprise is not None else None,
        field_paths={
            "kind": "kind",
            "channel": "channel",
            "enterprise": "enterprise.credit_code",
            "ip_right": rights_key,
            "ip_type": one(rights_key, "type"),
            "ip_number": one(rights_key, "number"),
            "ip_title": one(rights_key, "title"),
            "respondent_name": one(respondents_key, "name"),
            "respondent_credit_code": one(respondents_key, "credit_code"),
            "respondent_address": one(respondents_key, "address"),
            "respondent_url": one(respondents_key, "url"),
            "title": "title",
            "facts": "facts",
            "help_wanted": "help_wanted",
            "claimed_amount": "claimed_amount_fen",
            "complainant_type": "complainant.type",
            "complainant_name": "complainant.name",
            "complainant_phone": "complainant.phone",
            "call": "call",
            "caller_name": "call.caller_name",
            "caller_phone": "call.caller_phone",
            "called_at": "call.called_at",
            "call_ticket": "call.ticket",
        },
    )


def resolve_enterprise(user, data: dict | None):
    """The enterprise a new case is for, found by its credit code (None when the body names a person or an
    anonymous tip-off instead; ``create_case`` judges who may file that).

    An applicant files only for their own (an unknown code answers the same as another's,
    so codes cannot be probed). Staff who may file record an unknown enterprise when the
    body gives its name; with its industry, staff and revenue (and assets where the industry's
    size rule needs them; all or none) it is classified by size, otherwise its size class is
    unknown until they are given. A missing name or figure answers 422 naming it.
    """
    from app.enterprises.services import figures_given, find_enterprise, record_enterprise
    from app.enterprises.sme_size import needs_assets

    if data is None:
        return None
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
    needed = ("name", "industry", "staff_count", "revenue_wan") if figures_given(data) else ("name",)
    for key in needed:
        if data.get(key) in (None, "") or (isinstance(data.get(key), str) and not data[key].strip()):
            message = (
                _l("No enterprise has this credit code yet; give its name to record it.")
                if key == "name"
                else _l("Give the industry, staff_count and revenue_wan together (or none of them).")
            )
            missing.add(f"enterprise.{key}", message)
    if data.get("industry") is not None and needs_assets(data["industry"]) and data.get("assets_wan") is None:
        missing.add("enterprise.assets_wan", _l("Total assets are needed to classify this industry."))
    missing.raise_if_any()
    values = {k: v for k, v in data.items() if k != "credit_code" and v is not None}
    if data.get("industry") is not None:
        values["industry"] = data["industry"].value
    try:
        return record_enterprise(user, code, values)
    except ServiceError as exc:
        raise invalid({f"enterprise.{exc.field or 'credit_code'}": exc.message}) from None
