"""Fixtures of the annual report tests: the world's centres made long ago (so they owe the year's report),
the report door's time pinned to early January of the year after ``YEAR``, and the people who write and
review the city's report (two supervisors of the city; the province's supervisor above it)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update

from app.core.chains import AuditEvent
from app.core.workdays import CHINA

YEAR = 2025
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
SECTIONS = {
    "situation": "本年度共受理中小企业维权援助申请一百二十件。",
    "results": "协助企业挽回经济损失三百万元。",
    "problems": "海外维权渠道仍然不足。",
    "next_steps": "加强海外纠纷应对指导。",
    "suggestions": "建议增加互助基金规模。",
}


def china(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC)


class DoorTime:
    """``utcnow`` of the report services: the time set, plus a millisecond per reading."""

    def __init__(self):
        self.base, self.ticks = china(YEAR + 1, 1, 5), 0

    def set(self, moment: datetime) -> datetime:
        self.base, self.ticks = moment, 0
        return moment

    def __call__(self) -> datetime:
        self.ticks += 1
        return self.base + timedelta(milliseconds=self.ticks)


@pytest.fixture
def at(monkeypatch):
    clock = DoorTime()
    monkeypatch.setattr("app.reports.annual.services.utcnow", clock)
    return clock


@pytest.fixture
def english(app):
    with app.app_context(), force_locale("en"):
        yield


@pytest.fixture
def people(world, make_user):
    """The city's supervisors (``writer``, ``colleague``), the province's supervisor (``reviewer``, the centre
    above), the county's supervisor (below: does not see the city's report) and the sibling city's."""
    from app.auth.models import Role

    for centre in (world.province, world.city, world.county, world.sibling, world.other_province):
        centre.created_at = LONG_AGO
    return {
        "writer": world.users["supervisor"],
        "colleague": make_user(Role.SUPERVISOR, centre=world.city, email="sup2@city.cn", name="第二主管"),
        "reviewer": make_user(Role.SUPERVISOR, centre=world.province, email="sup@province.cn", name="省中心主管"),
        "county": make_user(Role.SUPERVISOR, centre=world.county, email="sup@county.cn"),
        "sibling": make_user(Role.SUPERVISOR, centre=world.sibling, email="sup@sibling.cn"),
        "province_admin": world.province_admin,
        "city_admin": world.users["admin"],
        "caseworker": world.users["caseworker"],
    }


@pytest.fixture
def draft(world, people, at, session):
    """The city's draft of ``YEAR``, made on 1 January of the year after."""
    from app.reports.annual import services

    report = services.prepare_draft(world.city, YEAR, china(YEAR + 1, 1, 1, 0, 30))
    session.flush()
    return report


def footprint(session, report) -> tuple:
    """(state, version, events in its chain, its sections): what a refusal must leave as it was."""
    from app.reports.annual.models import AnnualReport

    session.expire_all()
    events = (
        select(func.count(AuditEvent.id))
        .where(AuditEvent.chain_type == "annual_report", AuditEvent.chain_id == report.id)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            AnnualReport.state,
            AnnualReport.version,
            events,
            AnnualReport.situation,
            AnnualReport.results,
            AnnualReport.problems,
            AnnualReport.next_steps,
            AnnualReport.suggestions,
        ).where(AnnualReport.id == report.id)
    ).one()
    return tuple(row)


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(result.stdout.decode().split())  # CJK text without the layout's spaces


def tamper(session, report, **values) -> None:
    """Change the report's row behind the door (as someone with database access would)."""
    from app.reports.annual.models import AnnualReport

    session.execute(update(AnnualReport).where(AnnualReport.id == report.id).values(**values))
    session.expire_all()
