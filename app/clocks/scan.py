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
The clocks under cases are handled in batches of ``BATCH``: one statement locks the batch's cases
(in id order, so two scans never deadlock), one claims its clocks of each kind (``UPDATE …
RETURNING``), and the batch commits once. A batch that fails (a lock timeout, a deadlock victim)
is rolled back and retried clock by clock, each committing on its own, so one busy case holds up
nothing else. E-mail goes out only after the commits (``deliver_pending``, which also retries
notifications whose e-mail failed before).

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
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.cases.models import Case, CaseAuditHead
from app.clocks.models import CaseClock, counting_clock
from app.core.audit import GENESIS
from app.core.db import utcnow
from app.extensions import db

log = logging.getLogger(__name__)

DUE_SOON = "clock_due_soon"
BREACHED = "clock_breached"
# Held (PostgreSQL) while one scan e-mails, so two scans at once never send the same notification twice.
MAIL_LOCK_KEY = 0x51A5_CA11
# Clocks under cases claimed, recorded and committed together (see the module's docstring).
BATCH = 200


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

    def tally(self, kind: str, notified: int | None) -> None:
        """Count one clock's escalation (``notified`` None: there was nothing left to record)."""
        if notified is None:
            return
        if kind == BREACHED:
            self.breached += 1
        else:
            self.due_soon += 1
        self.notifications += notified

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


def _claim_statement(kind: str, now: datetime):
    """``UPDATE`` setting ``kind``'s mark on the clocks (narrowed by the caller) whose mark is still
    unset and still applies, ``RETURNING`` the ids of those it set."""
    stmt = update(CaseClock).where(counting_clock(), CaseClock.breach_recorded_at.is_(None))
    if kind == BREACHED:
        stmt = stmt.where(CaseClock.due_at < now).values(
            breach_recorded_at=now,
            due_soon_recorded_at=func.coalesce(CaseClock.due_soon_recorded_at, now),
        )
    else:
        stmt = stmt.where(
            CaseClock.due_soon_recorded_at.is_(None), CaseClock.warn_at <= now, CaseClock.due_at >= now
        ).values(due_soon_recorded_at=now)
    return stmt.returning(CaseClock.id).execution_options(synchronize_session=False)


def claim(clock_id: int, kind: str, now: datetime) -> bool:
    """Set the clock's mark if it is still unset and still applies; True for the one scan that set it."""
    claimed = db.session.execute(_claim_statement(kind, now).where(CaseClock.id == clock_id)).scalars().all()
    return len(claimed) == 1


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


def supervisors_by_centre(centre_ids) -> dict[int, list[int]]:
    """``supervisors_of`` for many centres in two statements: centre id -> the active supervisors of
    that centre or, when it has none, of the nearest centre above it that has."""
    from app.centres.models import Centre

    wanted = sorted(set(centre_ids))
    if not wanted:
        return {}
    lineages = {
        centre_id: [int(part) for part in path.strip("/").split("/") if part]
        for centre_id, path in db.session.execute(select(Centre.id, Centre.path).where(Centre.id.in_(wanted)))
    }
    everyone = sorted({i for lineage in lineages.values() for i in lineage})
    by_centre: dict[int, list[int]] = {}
    for user_id, centre_id in db.session.execute(
        select(User.id, User.centre_id).where(
            User.role == Role.SUPERVISOR, User.is_active.is_(True), User.centre_id.in_(everyone)
        )
    ):
        by_centre.setdefault(centre_id, []).append(user_id)
    found = {}
    for centre_id, lineage in lineages.items():
        nearest = next((c for c in reversed(lineage) if c in by_centre), None)
        found[centre_id] = sorted(by_centre[nearest]) if nearest is not None else []
    return found


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
    # A case's own clocks go to whoever has the case now; a track's also to whoever answers for it.
    return _record(case, clock, kind, recipients(case, kind, clock.responsible_id if _track(clock) else None))


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


def _one(result: ScanResult, clock_id: int, case_id: int | None, kind: str, now: datetime) -> None:
    """Escalate one clock in a transaction of its own (a clock under no case, or a failed batch's)."""
    try:
        notified = escalate(clock_id, case_id, kind, now)
        db.session.commit()
    except DBAPIError as exc:  # a lock timeout or deadlock victim: the next scan tries again
        db.session.rollback()
        log.warning("sla-scan: clock %s of case %s not escalated: %s", clock_id, case_id, exc)
        result.errors += 1
        return
    result.tally(kind, notified)


def escalate_batch(batch: list[tuple[int, int, str]], now: datetime) -> list[tuple[str, int]]:
    """Record the marks of a batch of clocks under cases (``(clock id, case id, kind)``) that this scan
    is the one to claim: the cases locked in one statement, the clocks claimed in one per kind, each
    claimed clock's event and notifications recorded as ``escalate`` records them. Returns ``(kind,
    people notified)`` per clock recorded. Flushes; the caller commits the whole batch."""

    case_ids = sorted({case_id for _, case_id, _ in batch})
    cases = {
        case.id: case
        for case in db.session.execute(
            select(Case)
            .where(Case.id.in_(case_ids))
            .order_by(Case.id)
            .with_for_update()
            .options(selectinload(Case.rights), selectinload(Case.respondents))
            .execution_options(populate_existing=True)
        ).scalars()
    }
    claimed: set[int] = set()
    for kind in (BREACHED, DUE_SOON):
        ids = [clock_id for clock_id, case_id, k in batch if k == kind and case_id in cases]
        if ids:
            claimed |= set(db.session.execute(_claim_statement(kind, now).where(CaseClock.id.in_(ids))).scalars())
    if not claimed:
        return []
    clocks = {
        row.id: row
        for row in db.session.execute(
            select(
                CaseClock.id,
                CaseClock.name,
                CaseClock.trigger,
                CaseClock.due_at,
                CaseClock.subject_type,
                CaseClock.subject_id,
                CaseClock.responsible_id,
            ).where(CaseClock.id.in_(claimed))
        )
    }
    recorded_cases = sorted({case_id for clock_id, case_id, _ in batch if clock_id in claimed})
    heads = {
        head.case_id: head
        for head in db.session.execute(
            select(CaseAuditHead)
            .where(CaseAuditHead.case_id.in_(recorded_cases))
            .order_by(CaseAuditHead.case_id)
            .with_for_update()
        ).scalars()
    }
    for case_id in recorded_cases:
        if case_id not in heads:
            heads[case_id] = CaseAuditHead(case_id=case_id, seq=0, hash=GENESIS, seal="")
            db.session.add(heads[case_id])
    wanted = {p for case in cases.values() for p in (case.first_responder_id, case.owner_id)}
    wanted |= {row.responsible_id for row in clocks.values()}
    active = set(active_users(wanted))
    supervisors = supervisors_by_centre(
        {cases[case_id].centre_id for clock_id, case_id, kind in batch if kind == BREACHED and clock_id in claimed}
    )
    outcomes = []
    with db.session.no_autoflush:  # nothing below reads the database: one flush at the end
        for clock_id, case_id, kind in batch:  # the most overdue first, as found
            if clock_id in claimed:
                case, clock = cases[case_id], clocks[clock_id]
                responsible = clock.responsible_id if _track(clock) else None
                people = [
                    p for p in dict.fromkeys([case.first_responder_id, case.owner_id, responsible]) if p in active
                ]
                if kind == BREACHED:
                    people = list(dict.fromkeys(people + supervisors[case.centre_id]))
                outcomes.append((kind, _record(case, clock, kind, people, head=heads[case_id], flush=False)))
    db.session.flush()  # the batch's events and notifications, inserted together
    return outcomes


def _track(clock) -> bool:
    """A track's clock (a mediation's…), recorded in its case's chain; not one of the case's own."""
    return clock.subject_type not in (None, "case")


def _record(case: Case, clock, kind: str, people, *, head=None, flush: bool = True) -> int:
    """Record one claimed clock's ``kind``: its event in the case's chain and its notifications to
    ``people``; returns how many were notified. ``head``: the chain's head when the caller locked it;
    ``flush=False`` leaves the inserts to the caller's flush (a batch's)."""
    from app.cases.services import record_event
    from app.notifications.services import notify

    due = clock.due_at.isoformat()
    data = {"clock": clock.name.value, "trigger": clock.trigger, "due_at": due}
    if _track(clock):
        data["subject"] = {"type": clock.subject_type, "id": clock.subject_id}
    state = case.state
    record_event(case, None, kind, from_state=state, to_state=state, data=data, internal=True, head=head, flush=flush)
    # A track's notification names the track (its workflow and id), as its actions' notifications do.
    named = {"subject": TrackRef(clock.subject_id), "subject_type": clock.subject_type} if _track(clock) else {}
    return len(notify(people, kind, case, {"clock": clock.name.value, "due": due}, flush=flush, **named))


def scan(now: datetime | None = None, *, deliver: bool = True) -> ScanResult:
    """Record every due-soon and breach mark due at ``now`` (default: the current time), each
    exactly once, then e-mail what is pending when SMTP is configured. Commits per batch of clocks
    under cases, per clock under no case."""
    now = now or utcnow()
    result = ScanResult(now)
    found = candidates(now)
    under_cases = [c for c in found if c[1] is not None]
    for start in range(0, len(under_cases), BATCH):
        batch = under_cases[start : start + BATCH]
        try:
            outcomes = escalate_batch(batch, now)
            db.session.commit()
        except DBAPIError as exc:  # a lock timeout or deadlock victim: clock by clock instead
            db.session.rollback()
            log.warning("sla-scan: a batch of %s clocks not escalated at once, one by one instead: %s", len(batch), exc)
            for clock_id, case_id, kind in batch:
                _one(result, clock_id, case_id, kind, now)
            continue
        for kind, notified in outcomes:
            result.tally(kind, notified)
    for clock_id, case_id, kind in found:
        if case_id is None:
            _one(result, clock_id, case_id, kind, now)
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
