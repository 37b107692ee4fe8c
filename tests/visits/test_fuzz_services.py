"""Any input to the visit record: a visit, or a ``ServiceError`` naming a field and nothing saved; never
another exception (a 500 on the page or the API)."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.core.chains import AuditEvent
from app.core.errors import ServiceError
from app.enterprises.models import Enterprise
from app.visits import services
from app.visits.models import Visit, VisitFollowUp, VisitProblem
from tests.helpers import examples

JUNK = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.booleans(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
ROW = st.dictionaries(
    st.sampled_from(["text", "ip_type", "right_number", "respondent_name", "enterprise", "owner", "due_on"]),
    JUNK,
    max_size=5,
)


def counts(session):
    return tuple(
        session.execute(select(func.count()).select_from(m)).scalar_one()
        for m in (Visit, VisitProblem, VisitFollowUp, Enterprise, AuditEvent)
    )


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    visited_on=JUNK,
    staff=st.one_of(JUNK, st.lists(JUNK, max_size=3)),
    enterprises=st.one_of(JUNK, st.lists(JUNK, max_size=3)),
    topics=st.one_of(JUNK, st.lists(st.sampled_from(["training", "other", "x", ""]), max_size=3)),
    problems=st.one_of(JUNK, st.lists(ROW, max_size=3)),
    follow_ups=st.one_of(JUNK, st.lists(ROW, max_size=3)),
    new_enterprises=st.one_of(
        JUNK, st.lists(st.dictionaries(st.sampled_from(["credit_code", "name"]), JUNK), max_size=2)
    ),
    contact_phone=JUNK,
)
def test_any_record_is_kept_or_refused_with_a_field(world, at, session, **fields):
    session.commit()
    before = counts(session)
    savepoint = session.begin_nested()
    try:
        try:
            visit = services.record_visit(world.users["caseworker"], centre=world.city, **fields)
        except ServiceError as exc:
            assert exc.field, exc
            assert counts(session) == before
        else:
            assert visit.id and visit.visited_on <= date(2026, 3, 10) and visit.staff and visit.enterprises
    finally:
        savepoint.rollback()
