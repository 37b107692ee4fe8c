"""The API's schemas of the agency directory (``GET /api/v1/agencies``): the query it reads and the objects
it answers with. They parse the query and feed the generated spec, as ``app.api.schemas`` does for cases."""

from __future__ import annotations

from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from app.agencies.models import AgencyKind
from app.api.schemas import NO_NUL_PATTERN, Id, Model, Out, _before_id, _first, _flag, _limit, _query_choice, refuse
from app.cases.enums import IPType

MAX_CENTRE_CODE = 40


def _centre(value):
    value = _first(value)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise refuse(_l("Must be text."))
    return value


class AgencyListQuery(Model):
    """The filters of the agency list; parameters it does not know are ignored."""

    model_config = ConfigDict(extra="ignore")

    right: _query_choice(IPType, "Only the agencies that take this type of right. Empty: any.") = None
    kind: _query_choice(AgencyKind, "Only agencies of this kind. Empty: any.") = None
    centre: Annotated[
        str,
        BeforeValidator(_centre),
        Field(
            max_length=MAX_CENTRE_CODE,
            json_schema_extra={"pattern": NO_NUL_PATTERN},
            description="Only the agencies of the region of the centre with this code (one of the caller's line: "
            "their centre, those above it and those below it; any other answers 422). Empty: all of them.",
        ),
    ] = ""
    inactive: Annotated[
        bool | None,
        BeforeValidator(_flag),
        WithJsonSchema(
            {
                "type": "string",
                "enum": ["true", "false", ""],
                "description": "`true`: deactivated agencies too (no longer offered for referrals); "
                "default: active ones only.",
            }
        ),
    ] = None
    limit: Annotated[
        int, BeforeValidator(_limit), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 100, "default": 20})
    ] = 20
    cursor: Annotated[
        int | None,
        BeforeValidator(_before_id),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": "^[0-9]{0,12}$",
                "description": "`next_cursor` of the previous page (empty: the first page).",
            }
        ),
    ] = None


class Agency(Out):
    """An enforcement agency of a region (the region of the centre it hangs on)."""

    id: Id
    name: str
    kind: AgencyKind
    region: str = Field(description="The region it serves, as its centre names it.")
    centre: str = Field(description="The code of the centre whose region it serves.")
    rights: list[IPType] = Field(description="The types of right it takes.")
    address: str
    email: str = Field(description="Empty when it has none.")
    phone: str
    contact: str
    is_active: bool = Field(description="False: deactivated, no longer offered for referrals.")


class AgencyList(Out):
    items: list[Agency]
    next_cursor: str | None = Field(description="Null on the last page.")
