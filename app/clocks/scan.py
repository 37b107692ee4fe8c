"""The SLA scan: each clock's "due soon" and "breached" recorded and sent exactly once.

``flask --app wsgi sla-scan`` (``app.clocks.cli``) runs ``scan`` from cron every minute. For
every running, unpaused clock with a due time:

- from its ``warn_at`` (the start of its last day) until it is due, once: a ``clock_due_soon``
  event on the case and a notification to the first responder and the owner;
- once past its ``due_at``: a ``clock_breached`` event and a notification to the first
  responder, the owner and the supervisors of the case's centre (or, when it has none, of the
  nearest centre above it that has). A clock first found already breached gets only the breach
  (its due-soon mark is set with it, so the warning never follows the breach).

Exactly once, however many scans run at the same time: each clock is claimed by an ``UPDATE``
that re-checks, in the database, that the mark is still unset and the clock still running,
unpaused and due; only the scan whose update changed the row records the event and the
notifications, in the same transaction. The case row is locked first, in the same order as the
one door (case, then its clocks), so a scan never deadlocks with an action on the case, and the
event's state is the case's current one (``audit-verify`` checks that states follow each other).
Each clock commits on its own; e-mail goes out only after the commits (``deliver_pending``,
which also retries notifications whose e-mail failed before).

A clock handled under no case (``case_id`` None: a visit's follow-up) is escalated by the feature that
owns its subject (``app.clocks.free``), which locks its subject first and claims the clock the same
way. After the clocks, each feature's own periodic check runs (``register_hook``: the month-end
breaches of the visits minimum, ``app.visits.compliance``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import DBAPIError

from app.auth.models import Role, User
from app.cases.models import Case
from app.clocks.models import CaseClock, counting_clock
from app.core.db import utcnow
from app.extensions import db

log = logging.getLogger(__name__)

DUE_SOON = "clock_due_soon"
BREACHED = "clock_breached"
# Held (PostgreSQL) while one scan e-mails, so two scans at once never send the same notification twice.
MAIL_LOCK_KEY = 0x51A5_CA11


@dataclass(frozen=True)
class TrackRef:
    """A track's subject as a notification names it (with its ``subject_type``), without loading it."""

    id: int


@dataclass
class ScanResult:
    now: datetime
    due_soon: int = 0
    breached: int = 0
    notifications: int = 0
    emailed: int = 0
    # Notifications whose e-mail is still owed after this run (the SMTP server failed): retried next run.
    unsent: int = 0
    errors: int = 0
    # Staged uploads older than a day, removed with their files (``app.cases.staged``).
    staged_removed: int = 0
    # What the features' own periodic checks recorded (``register_hook``), by name.
    others: dict = field(default_factory=dict)

    @property
    def happened(self) -> bool:
        return bool(
            self.due_soon
            or self.breached
            or self.emailed
            or self.unsent
            or self.errors
            or self.staged_removed
            or any(self.others.values())
        )

    def as_dict(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "due_soon": self.due_soon,
            "breached": self.breached,
            "notifications": self.notifications,
            "emailed": self.emailed,
            "unsent": self.unsent,
            "errors": self.errors,
            "staged_removed": self.staged_removed,
            **self.others,
        }


#: A feature's own check run by every scan after the clocks: ``(name, function(now) -> how many
#: things it recorded)``. It commits its own work, exactly once however many scans run at once
#: (the month-end visit breaches of ``app.visits.compliance``).
HOOKS: list[tuple[str, Callable]] = []


def register_hook(name: str, function: Callable) -> None:
    if all(existing != name for existing, _ in HOOKS):
        HOOKS.append((name, function))


def candidates(now: datetime) -> list[tuple[int, int, str]]:
    """``(clock id, case id, kind)`` of every clock with a mark to record at ``now``, the most
    overdue first. Only a hint: each is claimed again, atomically, by ``escalate``."""
    breached = CaseClock.due_at < now
    rows = db.session.execute(
        select(CaseClock.id, CaseClock.case_id, breached.label("is_breached"))
        .where(
            counting_clock(),
            CaseClock.breach_recorded_at.is_(None),
            or_(breached, (CaseClock.warn_at <= now) & CaseClock.due_soon_recorded_at.is_(None)),
        )
        .order_by(CaseClock.due_at, CaseClock.id)
    ).all()
    db.session.commit()  # end the read: each clock gets a short transaction of its own
    return [(row.id, row.case_id, BREACHED if row.is_breached else DUE_SOON) for row in rows]


def claim(clock_id: int, kind: str, now: datetime) -> bool:
    """Set the clock's mark if it is still unset and still applies; True for the one scan that set it."""
    stmt = update(CaseClock).where(CaseClock.id == clock_id, counting_clock(), CaseClock.breach_recorded_at.is_(None))
    if kind == BREACHED:
        stmt = stmt.where(CaseClock.due_at < now).values(
            breach_recorded_at=now,
            due_soon_recorded_at=func.coalesce(CaseClock.due_soon_recorded_at, now),
        )
    else:
        stmt = stmt.where(
            CaseClock.due_soon_recorded_at.is_(None), CaseClock.warn_at <= now, CaseClock.due_at >= now
        ).values(due_soon_recorded_at=now)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    return result.rowcount == 1


_claim = claim


def active_users(ids) -> list[int]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return []
    return list(
        db.session.execute(select(User.id).where(User.id.in_(wanted), User.is_active.is_(True)).order_by(User.id))
        .scalars()
        .all()
    )


def supervisors_for(case: Case) -> list[int]:
    """The active supervisors of the case's centre; when it has none, of the nearest centre above it that has."""
    return supervisors_of(case.centre)


def supervisors_of(centre) -> list[int]:
    """The active supervisors of ``centre``; when it has none, of the nearest centre above it that has."""
    lineage = centre.ancestor_ids  # from the root down to the centre itself
    rows = db.session.execute(
        select(User.id, User.centre_id).where(
            User.role == Role.SUPERVISOR, User.is_active.is_(True), User.centre_id.in_(lineage)
        )
    ).all()
    by_centre: dict[int, list[int]] = {}
    for user_id, centre_id in rows:
        by_centre.setdefault(centre_id, []).append(user_id)
    for centre_id in reversed(lineage):
        if centre_id in by_centre:
            return sorted(by_centre[centre_id])
    return []


def recipients(case: Case, kind: str, responsible_id: int | None = None) -> list[int]:
    """The first responder, the owner and whoever answers for the clock (a track's mediator, say);
    on a breach, the supervisors too."""
    people = active_users([case.first_responder_id, case.owner_id, responsible_id])
    if kind == BREACHED:
        people += supervisors_for(case)
    return list(dict.fromkeys(people))


def escalate(clock_id: int, case_id: int, kind: str, now: datetime) -> int | None:
    """Record ``kind`` for one clock if this scan is the one to claim it; returns how many people
    were notified, or None when there was nothing (left) to record. Flushes; the caller commits."""
    from app.cases.services import record_event
    from app.notifications.services import notify

    if case_id is None:
        return escalate_free(clock_id, kind, now)
    case = db.session.execute(
        select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if case is None or not _claim(clock_id, kind, now):
        return None
    clock = db.session.execute(
        select(
            CaseClock.name,
            CaseClock.trigger,
            CaseClock.due_at,
            CaseClock.subject_type,
            CaseClock.subject_id,
            CaseClock.responsible_id,
        ).where(CaseClock.id == clock_id)
    ).one()
    due = clock.due_at.isoformat()
    data = {"clock": clock.name.value, "trigger": clock.trigger, "due_at": due}
    track = clock.subject_type not in (None, "case")
    if track:  # a track's clock, recorded in its case's chain
        data["subject"] = {"type": clock.subject_type, "id": clock.subject_id}
    record_event(case, None, kind, from_state=case.state, to_state=case.state, data=data, internal=True)
    # A case's own clocks go to whoever has the case now; a track's also to whoever answers for it,
    # and its notification names the track (its workflow and id), as its actions' notifications do.
    people = recipients(case, kind, clock.responsible_id if track else None)
    named = {"subject": TrackRef(clock.subject_id), "subject_type": clock.subject_type} if track else {}
    rows = notify(people, kind, case, {"clock": clock.name.value, "due": due}, **named)
    return len(rows)


def escalate_free(clock_id: int, kind: str, now: datetime) -> int | None:
    """Record ``kind`` for a clock handled under no case, through the feature that owns its subject
    (``app.clocks.free``); None when there was nothing (left) to record."""
    from app.clocks.free import FREE_KINDS

    row = db.session.execute(
        select(CaseClock.subject_type, CaseClock.subject_id).where(CaseClock.id == clock_id)
    ).one_or_none()
    if row is None or row.subject_type not in FREE_KINDS:
        return None
    return FREE_KINDS[row.subject_type].escalate(clock_id, row.subject_id, kind, now)


def scan(now: datetime | None = None, *, deliver: bool = True) -> ScanResult:
    """Record every due-soon and breach mark due at ``now`` (default: the current time), each
    exactly once, then e-mail what is pending when SMTP is configured. Commits per clock."""
    now = now or utcnow()
    result = ScanResult(now)
    for clock_id, case_id, kind in candidates(now):
        try:
            notified = escalate(clock_id, case_id, kind, now)
            db.session.commit()
        except DBAPIError as exc:  # a lock timeout or deadlock victim: the next scan tries again
            db.session.rollback()
            log.warning("sla-scan: clock %s of case %s not escalated: %s", clock_id, case_id, exc)
            result.errors += 1
            continue
        if notified is None:
            continue
        if kind == BREACHED:
            result.breached += 1
        else:
            result.due_soon += 1
        result.notifications += notified
    for name, hook in HOOKS:
        try:
            result.others[name] = hook(now)
        except DBAPIError as exc:  # a lock timeout or deadlock victim: the next scan tries again
            db.session.rollback()
            log.warning("sla-scan: %s not done: %s", name, exc)
            result.errors += 1
    if deliver:
        result.emailed, result.unsent, failed = deliver_mail()
        result.errors += failed
    result.staged_removed = _purge_staged(now)
    return result


def _purge_staged(now: datetime) -> int:
    """Remove the staged uploads nobody used within a day (a form given up on)."""
    from app.cases.staged import purge_stale

    try:
        return purge_stale(now)
    except DBAPIError as exc:
        db.session.rollback()
        log.warning("sla-scan: staged uploads not removed: %s", exc)
        return 0


def _owed() -> int:
    """Deliveries of notifications still owed (``app.notifications.services.owed``)."""
    from app.notifications.services import owed

    return owed()


def deliver_mail() -> tuple[int, int, int]:
    """E-mail the pending notifications (``deliver_pending``) when SMTP is configured; returns
    (sent, still unsent, errors). On PostgreSQL an advisory lock lets one scan at a time send; on
    SQLite the write lock of ``deliver_pending``'s transaction does the same."""
    from app.notifications.services import deliver_pending, mail_configured

    if not mail_configured():
        return 0, 0, 0
    engine = db.engine
    try:
        if engine.dialect.name != "postgresql":
            sent = deliver_pending()
            return sent, _owed(), 0
        with engine.connect() as lock:
            got = lock.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": MAIL_LOCK_KEY}).scalar()
            lock.commit()  # the lock is the connection's, not the transaction's: hold no transaction open
            if not got:
                return 0, 0, 0  # another scan is sending right now; what is left goes next time
            try:
                sent = deliver_pending()
                return sent, _owed(), 0
            finally:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MAIL_LOCK_KEY})
                lock.commit()
    except DBAPIError as exc:
        db.session.rollback()
        log.warning("sla-scan: e-mail of notifications not attempted: %s", exc)
        return 0, 0, 1
    finally:
        db.session.commit()  # end the count's read
