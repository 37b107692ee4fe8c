"""A toy workflow whose subject is its own root (as a visit, a fund's ledger or a report will be):
its events go to a chain of its own (``app.core.chains``), sealed and verified like a case's.

Its table lives in the test (created on the test's connection, gone with the rollback). The
service is a few lines on ``Door``; ``flask audit-verify`` checks the chain's links, its head,
the subject's state and audited fields against what it sealed, and a subject deleted.
"""

from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import MetaData, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.auth.models import Role
from app.core import chains, engine
from app.core.chains import AuditEvent
from app.core.db import UTCDateTime, utcnow
from app.core.engine import Door
from app.core.enums import LabelledEnum, enum_column_type
from app.core.workflow import Action, Workflow


class ToyBase(DeclarativeBase):
    metadata = MetaData()


class SurveyState(LabelledEnum):
    PLANNED = "planned"
    DONE = "done"

    @classmethod
    def _labels(cls):
        return {cls.PLANNED: _l("Planned"), cls.DONE: _l("Done")}


class Survey(ToyBase):
    __tablename__ = "toy_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[SurveyState] = mapped_column(enum_column_type(SurveyState, "toy_survey_state"))
    version: Mapped[int] = mapped_column(default=1)
    centre_id: Mapped[int] = mapped_column()
    findings: Mapped[str] = mapped_column(default="")
    updated_at: Mapped[object] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__ = {"version_id_col": version}


def _done(a):
    a.subject.findings = a.comment


SURVEYS = Workflow(
    "toy_survey",
    list(SurveyState),
    (
        Action(
            "record",
            frozenset({SurveyState.PLANNED}),
            SurveyState.DONE,
            frozenset({Role.CASEWORKER}),
            "Record",
            comment_required=True,
            effects=_done,
        ),
    ),
    SurveyState.PLANNED,
    register=False,
)


def _fields(survey) -> dict:
    return {"state": survey.state, "centre_id": survey.centre_id, "findings": survey.findings}


class SurveyDoor(Door):
    workflow = SURVEYS
    model = Survey

    def can_see(self, actor, survey):
        return actor.is_staff and actor.centre_id == survey.centre_id

    def case_of(self, survey):  # of no case: no case clocks, its own chain
        return None

    def record(self, a):
        return chains.record_applied(a, fields=_fields(a.subject))


DOOR = SurveyDoor()


def _current(session):
    def read(ids):
        rows = session.execute(select(Survey).where(Survey.id.in_(ids))).scalars()
        return {s.id: (s.state.value, _fields(s)) for s in rows}

    return read


@pytest.fixture
def surveyed(world, session, monkeypatch):
    ToyBase.metadata.create_all(session.connection())
    monkeypatch.setitem(chains.ROOT_KINDS, "toy_survey", chains.RootKind("toy_survey", _current(session)))
    survey = Survey(state=SurveyState.PLANNED, centre_id=world.city.id)
    session.add(survey)
    session.flush()
    engine.transition(DOOR, survey, "record", world.users["caseworker"], comment="两家企业存在仿冒风险")
    session.commit()
    return survey


def _verify(app, session):
    session.commit()
    session.expire_all()
    return app.test_cli_runner().invoke(args=["audit-verify", "--no-files"])


def test_a_root_subject_keeps_its_own_sealed_chain(app, session, world, surveyed):
    events = list(session.execute(select(AuditEvent).where(AuditEvent.chain_id == surveyed.id)).scalars())
    assert [(e.chain_type, e.action, e.from_state, e.to_state, e.seq) for e in events] == [
        ("toy_survey", "record", "planned", "done", 1)
    ]
    assert events[0].digest is not None and surveyed.version == 2
    result = _verify(app, session)
    assert result.exit_code == 0 and "audit chains verified" in result.output, result.output
    with pytest.raises(engine.ActionRefused):  # a wrong state, from the same door
        engine.transition(DOOR, surveyed, "record", world.users["caseworker"], comment="再次")


@pytest.mark.parametrize(
    "sql, problem",
    [
        ("UPDATE toy_surveys SET findings = '改写' WHERE id = :id", "its fields were changed after this event"),
        ("UPDATE toy_surveys SET state = 'planned' WHERE id = :id", "is not the state its chain recorded"),
        ("UPDATE audit_events SET comment = '改写' WHERE chain_id = :id", "edited after it was recorded"),
        ("DELETE FROM toy_surveys WHERE id = :id", "it records no longer exists"),
        ("DELETE FROM audit_events WHERE chain_id = :id", "its events were removed"),
    ],
)
def test_tampering_with_a_root_chain_or_its_subject_is_caught(app, session, surveyed, sql, problem):
    survey_id = surveyed.id
    session.execute(text(sql), {"id": survey_id})
    result = _verify(app, session)
    assert result.exit_code != 0
    assert f"toy_survey {survey_id}" in result.output and problem in result.output, result.output
