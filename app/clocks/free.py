"""Clocks of subjects handled under no case (a visit's follow-up): how the clocks' pages name them
and how the sla-scan records their warnings.

Such a clock has ``case_id`` None; its ``subject_type`` names the feature that owns it, which
registers a ``FreeKind`` here (the clocks import no feature). ``describe`` reads many clocks' subjects
in one statement, so the escalation board and "my work" never query per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FreeSubject:
    """What a page shows of a clock's subject in place of a case: a short name (``label``, e.g.
    the visit's date and centre), a line of text (``title``), the path of its page below the
    application's root, who answers for it, and its centre's code and name."""

    label: str
    title: str
    path: str | None
    owner_name: str
    centre_code: str
    centre_name: str


@dataclass(frozen=True)
class FreeKind:
    """``describe(subject_ids) -> {subject_id: FreeSubject}`` (one statement);
    ``escalate(clock_id, subject_id, kind, now) -> people notified | None`` records a due-soon or
    breach mark exactly once (it claims the clock with ``app.clocks.scan.claim``)."""

    subject_type: str
    describe: Callable[[list[int]], dict]
    escalate: Callable


FREE_KINDS: dict[str, FreeKind] = {}


def register_free(kind: FreeKind) -> FreeKind:
    FREE_KINDS[kind.subject_type] = kind
    return kind


def describe(clocks) -> dict:
    """{clock id: FreeSubject} for the clocks of no case among ``clocks`` (one statement per kind)."""
    by_type: dict[str, list] = {}
    for clock in clocks:
        if clock.case_id is None and clock.subject_id is not None:
            by_type.setdefault(clock.subject_type, []).append(clock)
    out = {}
    for subject_type, group in by_type.items():
        kind = FREE_KINDS.get(subject_type)
        if kind is None:
            continue
        subjects = kind.describe(sorted({c.subject_id for c in group}))
        for clock in group:
            if clock.subject_id in subjects:
                out[clock.id] = subjects[clock.subject_id]
    return out
