"""Property-based fuzzing of the escalation board's period and of marking notifications read, with
the harness of ``tests/test_fuzz_forms.py``: never a 5xx; a bad period answers 422 (a NUL 400); a
refused mark-read form changes nothing, and one that succeeds touches only the user's own rows."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.test_fuzz_forms import FUZZ, NUMERIC_EDGES, OMIT, SCALAR_JUNK, TABLES, Harness, example_form, form, has_nul

DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-12-01", "2026-12-31", "1980-01-01", "2999-12-31", "1979-12-31", "3000-01-01"]),
    st.sampled_from(["2026-02-30", "2026-1-1", "20261201", "2026/12/01", "9999-12-31", "0001-01-01", "99999-01-01"]),
    st.sampled_from(NUMERIC_EDGES),
    SCALAR_JUNK,
)


class NotificationHarness(Harness):
    tables = (*TABLES, "notifications")


@pytest.fixture
def fuzz(app):
    harness = NotificationHarness(app)
    app.logger.addHandler(harness.capture)
    yield harness
    app.logger.removeHandler(harness.capture)


def test_escalation_period(world, fuzz):
    actor = fuzz.actor(world.users["supervisor"])
    param = st.one_of(st.just(OMIT), DATES, st.lists(DATES, min_size=2, max_size=3))
    strategy = st.builds(
        lambda a, b, extra: {**extra, **{k: v for k, v in (("date_from", a), ("date_to", b)) if v is not OMIT}},
        param,
        param,
        st.dictionaries(st.sampled_from(["page", "x", "%", "date_from[]"]), SCALAR_JUNK, max_size=2),
    )

    @FUZZ
    @given(query=strategy)
    @example(query={"date_from": "0001-01-01", "date_to": "9999-12-31"})
    @example(query={"date_from": "2999-12-31"})
    @example(query={"date_to": "1980-01-01"})
    @example(query={"date_from": "1980-01-01", "date_to": "2999-12-31"})
    def run(query):
        response, _ = actor.get("/escalation", query)
        assert response.status_code in ((400,) if has_nul(query) else (200, 422)), response.status_code

    run()


def test_mark_read(world, fuzz, session):
    from app.notifications.services import notify

    worker, supervisor = world.users["caseworker"], world.users["supervisor"]
    mine = [n.id for n in notify([worker.id], "handover_offered", params={"by": "x"})]
    mine += [notify([worker.id], "transfer_offered", params={"by": "y"})[0].id]
    theirs = notify([supervisor.id], "handover_offered", params={"by": "z"})[0].id
    session.commit()
    actor = fuzz.actor(worker)
    id_value = st.one_of(
        st.sampled_from([str(i) for i in (*mine, theirs)]), st.sampled_from(NUMERIC_EDGES), SCALAR_JUNK
    )

    @FUZZ
    @given(data=form({"id": st.one_of(id_value, st.lists(id_value, max_size=4)), "all": st.sampled_from(["1", OMIT])}))
    @example(data=example_form(id=str(theirs)))
    @example(data=example_form(all="1"))
    def run(data):
        actor.post("/notifications/read", data)
        assert fuzz.scalar("SELECT read_at FROM notifications WHERE id = :id", id=theirs) is None

    run()
    fuzz.require_reached()
