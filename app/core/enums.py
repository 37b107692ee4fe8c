"""Enum helpers: lower-case snake_case values stored as CHECK-constrained strings."""

from __future__ import annotations

import enum

from flask import has_app_context
from sqlalchemy import Enum as SAEnum

from app.core.i18n import translations as current_translations

_LABELS: dict[type, dict] = {}


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a translatable display label.

    Subclasses define ``_labels()`` returning {member: lazy_gettext(...)}.
    """

    @classmethod
    def _labels(cls) -> dict:
        return {}

    @property
    def label(self) -> str:
        cls = type(self)
        labels = _LABELS.get(cls)
        if labels is None:  # built once per enum; translated once per language below
            labels = _LABELS[cls] = cls._labels()
        translated = _translated(cls, labels)
        if translated is not None:
            return translated.get(self, self.value)
        return str(labels.get(self, self.value))

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


def _translated(cls: type, labels: dict) -> dict | None:
    """``labels`` translated into the current language, once per enum and language: kept on the
    language's translations object, which flask_babel keeps for the process. A list row shows three or
    four labels (state, kind, type, channel); each used to be a lazy string looked up anew (4.4 µs a
    label, 2 µs now). None outside an application context, where there is no such object."""
    if not has_app_context():
        return None
    translations = current_translations()
    kept = translations.__dict__.get("_ipaid_labels")
    if kept is None:
        kept = translations.__dict__["_ipaid_labels"] = {}
    found = kept.get(cls)
    if found is None:
        found = kept[cls] = {member: str(text) for member, text in labels.items()}
    return found


def member_of(enum_cls: type[enum.Enum], value):
    """The member of ``enum_cls`` that ``value`` is or names; None for anything else."""
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        return None


def label_of(enum_cls: type[LabelledEnum], value) -> str:
    """The label of the member ``value`` is or names; "—" for anything else (a page never shows a raw value)."""
    member = member_of(enum_cls, value)
    return member.label if member is not None else "—"


def enum_column_type(enum_cls: type[enum.Enum], name: str) -> SAEnum:
    """A portable enum column: VARCHAR + named CHECK constraint, storing values."""
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
