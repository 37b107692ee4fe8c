"""Enum helpers: lower-case snake_case values stored as CHECK-constrained strings."""

from __future__ import annotations

import enum

from sqlalchemy import Enum as SAEnum

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
        labels = _LABELS.get(type(self))
        if labels is None:  # built once per enum: the lazy strings translate at each use
            labels = _LABELS[type(self)] = self._labels()
        return str(labels.get(self, self.value))

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


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
