"""The audit chain against someone with database access: ``flask audit-verify`` finds every edit.

Cases are built through the one door, then their events are tampered with directly in SQL
(edited, deleted, reordered, cut short, re-hashed without the key). The real command must
then exit non-zero and name the case number and the bad event (its id and position).

The command runs through ``app.test_cli_runner()``: inside its app context the session is bound
to the test's connection, so it sees this test's rows and tampering. One test also runs the
command as a separate process (``flask --app wsgi audit-verify``) against a database of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.auth.models import User
from app.cases import services
from app.cases.models import CaseAuditHead, CaseEvent
from app.core.audit import canonical
from app.extensions import db
from tests.cases.test_workflow_matrix import MOVES, WHO
from tests.conftest import own_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chains(world, make_case, session):
    """Three cases with events: a closed complaint with a note, an acknowledged one, a withdrawn one."""
    caseworker = world.users["caseworker"]
    closed = make_case(world.applicant, world.enterprise, state="closed", staff=caseworker)
    services.add_note(closed, caseworker, "内部备注：已联系被投诉人")
    acknowledged = make_case(world.applicant, world.enterprise, state="acknowledged", staff=caseworker)
    withdrawn = make_case(world.applicant, world.enterprise, state="withdrawn", staff=caseworker)
    session.commit()
    return closed, acknowledged, withdrawn


def events_of(session, case) -> list[CaseEvent]:
    return list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).scalars())


def audit_verify(app, session):
    session.commit()  # the tampering is in the test's transaction, where the command reads too
    session.expire_all()
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    return result.exit_code, result.output


def broken_lines(output) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("BROKEN")]


def test_untouched_chains_verify(app, session, chains):
    code, output = audit_verify(app, session)
    assert code == 0, output
    assert "All 3 audit chains verified." in output
    assert broken_lines(output) == []
    closed = chains[0]
    assert [e.action for e in events_of(session, closed)][-1] == "note"


@pytest.mark.parametrize(
    "column, value",
    [
        ("comment", "'改过的说明'"),
        ("data", '\'{"reason": "other"}\''),
        ("to_state", "'declined'"),
        ("from_state", "'submitted'"),
        ("action", "'decline'"),
        ("visibility", "'internal'"),
        ("actor_id", "NULL"),
        ("created_at", "'2020-01-01 00:00:00'"),
        ("hash", "'" + "f" * 64 + "'"),
    ],
)
def test_an_edited_event_is_named(app, session, chains, column, value):
    closed = chains[0]
    target = events_of(session, closed)[3]  # the fourth event: accept
    session.execute(text(f"UPDATE case_events SET {column} = {value} WHERE id = :id"), {"id": target.id})
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [
        f"BROKEN chain {closed.number}: event id {target.id} (position 4): edited after it was recorded"
    ], output
    assert "1 of 3 audit chains are broken." in output


def test_a_changed_link_to_the_previous_event_is_named(app, session, chains):
    closed = chains[0]
    target = events_of(session, closed)[2]
    session.execute(text("UPDATE case_events SET prev_hash = :h WHERE id = :id"), {"h": "0" * 64, "id": target.id})
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [
        f"BROKEN chain {closed.number}: event id {target.id} (position 3): does not follow the previous event"
    ], output


def test_a_deleted_middle_event_is_named(app, session, chains):
    closed = chains[0]
    events = events_of(session, closed)
    session.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": events[4].id})
    code, output = audit_verify(app, session)
    assert code != 0
    # The gap shows at the event after it, which names the missing position.
    assert broken_lines(output) == [
        f"BROKEN chain {closed.number}: event id {events[5].id} (position 6): "
        "deleted or reordered (expected position 5)"
    ], output


def test_swapped_positions_are_named(app, session, chains):
    closed = chains[0]
    events = events_of(session, closed)
    first, second = events[2], events[3]
    swap = "UPDATE case_events SET seq = :seq WHERE id = :id"
    session.execute(text(swap), {"seq": -1, "id": first.id})
    session.execute(text(swap), {"seq": 3, "id": second.id})
    session.execute(text(swap), {"seq": 4, "id": first.id})
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [
        f"BROKEN chain {closed.number}: event id {first.id} (position 4): deleted or reordered (expected position 3)"
    ], output


def test_events_moved_in_the_stored_order_are_named(app, session, chains):
    """Swapping two events' ids (keeping everything else) puts them out of order in the table."""
    closed = chains[0]
    events = events_of(session, closed)
    first, second = events[2], events[3]
    move = "UPDATE case_events SET id = :new WHERE id = :old"
    spare = max(e.id for e in events) + 1000
    session.execute(text(move), {"new": spare, "old": first.id})
    session.execute(text(move), {"new": first.id, "old": second.id})
    session.execute(text(move), {"new": second.id, "old": spare})
    code, output = audit_verify(app, session)
    assert code != 0
    # The event now stored first (id of the old third event) holds position 4 where 3 was expected.
    assert broken_lines(output) == [
        f"BROKEN chain {closed.number}: event id {first.id} (position 4): deleted or reordered (expected position 3)"
    ], output


def test_a_deleted_last_event_is_named(app, session, chains):
    closed = chains[0]
    events = events_of(session, closed)
    session.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": events[-1].id})
    code, output = audit_verify(app, session)
    assert code != 0
    # Nothing follows the removed event, so the head of the chain (position and hash) gives it away.
    assert broken_lines(output) == [
        f"BROKEN chain {closed.number}: a missing event (position {len(events)}): events after this point were removed"
    ], output


def test_every_broken_chain_is_named(app, session, chains):
    closed, acknowledged, withdrawn = chains
    session.execute(
        text("UPDATE case_events SET comment = 'x' WHERE id = :id"), {"id": events_of(session, withdrawn)[-1].id}
    )
    session.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": events_of(session, acknowledged)[1].id})
    code, output = audit_verify(app, session)
    assert code != 0
    lines = broken_lines(output)
    assert len(lines) == 2
    assert any(acknowledged.number in line and "expected position 2" in line for line in lines), lines
    assert any(withdrawn.number in line and "edited after it was recorded" in line for line in lines), lines
    assert closed.number not in output
    assert "2 of 3 audit chains are broken." in output


def test_a_chain_rewritten_without_the_key_is_caught(app, session, chains):
    """Someone who edits an event and recomputes every hash after it, but without the HMAC key."""
    closed = chains[0]
    events = events_of(session, closed)
    start = 3
    events[start].comment = "伪造的说明"
    previous = events[start - 1].hash
    for event in events[start:]:
        event.prev_hash = previous
        event.hash = hmac.new(b"a guessed key", previous.encode() + canonical(event), hashlib.sha256).hexdigest()
        previous = event.hash
    head = session.get(CaseAuditHead, closed.id)
    head.hash = previous
    session.flush()
    code, output = audit_verify(app, session)
    assert code != 0
    assert broken_lines(output) == [
        f"BROKEN chain {closed.number}: event id {events[start].id} (position {start + 1}): "
        "edited after it was recorded"
    ], output


def test_the_same_rewrite_with_the_key_would_pass(app, session, chains):
    """The counterpart of the test above: the check is the key, not some other difference in the rewrite."""
    closed = chains[0]
    events = events_of(session, closed)
    key = app.config.get("AUDIT_HMAC_KEY") or app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    start = 3
    events[start].comment = "用密钥改写"
    previous = events[start - 1].hash
    for event in events[start:]:
        event.prev_hash = previous
        event.hash = hmac.new(key, previous.encode() + canonical(event), hashlib.sha256).hexdigest()
        previous = event.hash
    head = session.get(CaseAuditHead, closed.id)
    head.hash = previous
    # With the key, the head can be resealed too.
    head.seal = hmac.new(key, f"head:{closed.id}:{head.seq}:{previous}".encode(), hashlib.sha256).hexdigest()
    session.flush()
    code, output = audit_verify(app, session)
    assert code == 0, output


# ---- the head is sealed with the key, and the case's state must be what its chain recorded ----------------


def test_cutting_the_tail_and_moving_the_head_back_is_caught(app, session, chains):
    closed = chains[0]
    events = events_of(session, closed)
    session.execute(text("DELETE FROM case_events WHERE id = :id"), {"id": events[-1].id})
    session.execute(
        text("UPDATE case_audit_heads SET seq = :seq, hash = :hash WHERE case_id = :case"),
        {"seq": events[-2].seq, "hash": events[-2].hash, "case": closed.id},
    )
    code, output = audit_verify(app, session)
    assert code != 0 and closed.number in output


def test_a_state_changed_behind_the_door_is_caught(app, session, chains):
    acknowledged = chains[1]
    session.execute(text("UPDATE cases SET state = 'accepted' WHERE id = :id"), {"id": acknowledged.id})
    code, output = audit_verify(app, session)
    assert code != 0 and acknowledged.number in output


# ---- the rule table as text ---------------------------------------------------------------------------


def test_workflow_graph_prints_every_action_and_move(app):
    result = app.test_cli_runner().invoke(args=["workflow", "graph"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    printed = set()
    for line in lines:
        match = re.match(r"^(\w+)\s+--(\w+)--> (\w+)\s+\[([\w, ]+)\] guards: (.+)$", line)
        assert match, f"unexpected line {line!r}"
        source, action, target, roles, _ = match.groups()
        printed.add((source, action, target))
        assert set(roles.split(", ")) == set(WHO[action]), line
    expected = {(source, action, target) for source, moves in MOVES.items() for action, target in moves.items()}
    assert printed == expected
    assert {action for _, action, _ in printed} == set(WHO)


def test_workflow_graph_as_graphviz(app):
    result = app.test_cli_runner().invoke(args=["workflow", "graph", "--format", "dot"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("digraph case_workflow {")
    edges = set(re.findall(r'^\s+(\w+) -> (\w+) \[label="(\w+)"\];$', result.output, flags=re.M))
    expected = {(source, target, action) for source, moves in MOVES.items() for action, target in moves.items()}
    assert edges == expected


# ---- the command as a process -----------------------------------------------------------------------


@pytest.mark.e2e
def test_flask_audit_verify_as_a_process(tmp_path_factory, app):
    """``flask --app wsgi audit-verify`` on a database of its own: exit 0, then 1 naming the edited event."""
    from tests.cases.test_case_concurrency import file_case, seed_centre

    key = "audit-cli-test-key"
    with own_database(tmp_path_factory, app, "auditcli", AUDIT_HMAC_KEY=key) as own:
        url = own.config["SQLALCHEMY_DATABASE_URI"]
        with own.app_context():
            people = seed_centre("AV")
            case = file_case(people["caseworker"], people["firm"])
            supervisor = db.session.get(User, people["supervisor"])
            services.transition(case, "request_material", supervisor, comment="请补充购买凭证")
            db.session.commit()
            number = case.number
            third = db.session.execute(
                select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.seq == 3)
            ).scalar_one()
        env = {
            **os.environ,
            "APP_ENV": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": "another-secret",
            "AUDIT_HMAC_KEY": key,
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("auditcli-instance")),
        }
        flask = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "audit-verify"]
        good = subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert good.returncode == 0, good.stdout + good.stderr
        assert "All 1 audit chains verified." in good.stdout

        with own.app_context():
            db.session.execute(text("UPDATE case_events SET comment = 'changed' WHERE id = :id"), {"id": third})
            db.session.commit()
        bad = subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 1, bad.stdout + bad.stderr
        assert f"BROKEN chain {number}: event id {third} (position 3): edited after it was recorded" in bad.stderr


@pytest.mark.parametrize("batch", [1, 3, 2000])
def test_verification_streams_in_batches_smaller_than_the_events(app, session, chains, batch):
    """The events are read in batches; chains that cross batch boundaries verify, and a broken one is still named
    (the first version kept ORM objects and cleared the session mid-stream: it failed past one batch)."""
    from app.cases.cli import verify_all_chains

    total = session.scalar(select(func.count(CaseEvent.id)))
    assert total > 3  # several batches when batch is 1 or 3
    with app.app_context():
        problems, count = verify_all_chains(batch=batch)
    assert problems == [] and count == len(chains)
    closed = chains[0]
    session.execute(text("UPDATE case_events SET comment = 'x' WHERE case_id = :id AND seq = 2"), {"id": closed.id})
    with app.app_context():
        problems, _count = verify_all_chains(batch=batch)
    assert [p.chain for p in problems] == [closed.number]
