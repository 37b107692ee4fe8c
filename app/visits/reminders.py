"""The reminders of a visit's follow-ups: how the clocks' pages name them and how the sla-scan
records their warnings (``app.clocks.free``).

A follow-up's clock is handled under no case. Its due-soon mark goes to the follow-up's owner, its
breach to the owner and the supervisors of the visit's centre (or of the nearest centre above it
that has some), as a case clock's breach goes to the case's supervisors; both are recorded as
events of the visit's own chain (``clock_due_soon``, ``clock_breached``). The scan locks the visit
first, as the one door does, then claims the clock, so the mark is recorded exactly once.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.centres.models import Centre
from app.clocks.free import FreeKind, FreeSubject, register_free
from app.clocks.models import CaseClock
from app.core import chains
from app.extensions import db
from app.visits.models import Visit, VisitFollowUp, audited_fields
from app.visits.services import FOLLOW_UP

VISIT_PAGE = "/visits/%d"


def describe(follow_up_ids: list[int]) -> dict[int, FreeSubject]:
    """{follow-up id: what the board and "my work" show of it}, in one statement."""
    rows = db.session.execute(
        select(VisitFollowUp.id, VisitFollowUp.text, VisitFollowUp.visit_id, Visit.visited_on, User.name, Centre)
        .join(Visit, Visit.id == VisitFollowUp.visit_id)
        .join(Centre, Centre.id == Visit.centre_id)
        .join(User, User.id == VisitFollowUp.owner_id)
        .where(VisitFollowUp.id.in_(follow_up_ids))
    ).all()
    out = {}
    for fid, text, visit_id, visited_on, owner_name, centre in rows:
        day = visited_on.isoformat() if visited_on is not None else ""
        out[fid] = FreeSubject(
            label=_("On-site visit of %(day)s", day=day),
            title=" ".join(text.split())[:200],
            path=VISIT_PAGE % visit_id,
            owner_name=owner_name,
            centre_code=centre.code,
            centre_name=centre.name,
        )
    return out


def escalate(clock_id: int, follow_up_id: int, kind: str, now: datetime) -> int | None:
    """Record ``kind`` (due soon, breached) of a follow-up's clock once; returns how many people were
    notified, or None when this scan has nothing (left) to record. Flushes; the scan commits."""
    from app.clocks.scan import BREACHED, active_users, claim, supervisors_of
    from app.notifications.services import notify

    follow_up = db.session.get(VisitFollowUp, follow_up_id)
    if follow_up is None:
        return None
    visit = db.session.execute(
        select(Visit).where(Visit.id == follow_up.visit_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if visit is None or not claim(clock_id, kind, now):
        return None
    clock = db.session.execute(select(CaseClock.name, CaseClock.due_at).where(CaseClock.id == clock_id)).one()
    due = clock.due_at.isoformat()
    data = {"clock": clock.name.value, "due_at": due, "follow_up": follow_up.position}
    chains.record(
        "visit",
        visit.id,
        None,
        kind,
        from_state=visit.state,
        to_state=visit.state,
        data=data,
        fields=audited_fields(visit),
    )
    people = active_users([follow_up.owner_id])
    if kind == BREACHED:
        people = list(dict.fromkeys(people + supervisors_of(visit.centre)))
    text = " ".join(follow_up.text.split())
    params = {
        "text": text if len(text) <= 80 else text[:79] + "…",
        "visited_on": visit.visited_on.isoformat() if visit.visited_on else "",
        "due": due,
    }
    notification = "follow_up_breached" if kind == BREACHED else "follow_up_due_soon"
    rows = notify(people, notification, None, params, subject=visit, subject_type="visit")
    return len(rows)


register_free(FreeKind(FOLLOW_UP, describe, escalate))
