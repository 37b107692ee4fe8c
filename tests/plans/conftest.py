"""Fixtures of the rights-protection plan's tests: an accepted case, the people who act on its plan, a
complete plan's content, and ``make_plan`` that drives a plan through the one door to a state."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from app.auth.models import Role

# A complete plan of the world's utility-model case (its right 0 is a patent: a comparison row is needed).
CONTENT = {
    "facts": "被投诉人自2026年1月起在某电商平台销售折叠式支架，其结构与本专利权利要求1相同。",
    "right": {"index": 0, "scope": "权利要求1、2"},
    "comparison": [
        {
            "feature": "支架底座设有可折叠的三根支腿",
            "accused": "被控产品底座设有三根折叠支腿",
            "verdict": "identical",
            "evidence": "公证购买的被控产品实物",
        },
        {
            "feature": "支腿通过卡扣锁定",
            "accused": "支腿通过磁吸锁定",
            "verdict": "equivalent",
            "evidence": "产品拆解照片",
        },
    ],
    "evidence_held": ["专利证书", "公证购买的被控产品及发票"],
    "evidence_needed": ["专利权评价报告"],
    "routes": [
        {"route": "mediation", "cost_fen": 0, "duration": "1个月", "note": "中心免费调解"},
        {"route": "platform_complaint", "cost_fen": 0, "duration": "7个工作日", "note": ""},
        {"route": "litigation", "cost_fen": 3_000_000, "duration": "6至12个月", "note": "律师费与诉讼费估算"},
    ],
    "damages": {"amount_fen": 5_000_000, "basis": "按被控产品销量约2,000件、单件利润25元估算。"},
}


def content(**changes) -> dict:
    """A copy of ``CONTENT`` with some fields changed."""
    data = copy.deepcopy(CONTENT)
    data.update(changes)
    return data


@pytest.fixture
def people(world, make_user):
    """The case's centre's caseworker and supervisors (two: the four-eyes rule), its mediator,
    administrator and fund committee member, the applicant, a sibling centre's caseworker and another
    enterprise's applicant."""
    return SimpleNamespace(
        caseworker=world.users["caseworker"],
        supervisor=world.users["supervisor"],
        other_supervisor=make_user(Role.SUPERVISOR, centre=world.city, email="supervisor2@city.cn"),
        mediator=world.users["mediator"],
        admin=world.users["admin"],
        fund_committee=world.users["fund_committee"],
        applicant=world.applicant,
        sibling_caseworker=world.sibling_caseworker,
        other_applicant=world.other_applicant,
    )


@pytest.fixture
def accepted(world, make_case):
    return make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])


@pytest.fixture
def make_plan(people, session):
    """``make_plan(case, state="draft", drafter=caseworker, approver=supervisor, data=CONTENT)``: a plan of
    ``case`` driven through the one door to ``state`` (draft, in_review, approved, issued, revising (issued,
    with revision 2 drafted), superseded (revision 1, after revision 2 was issued)). Returns the plan in
    that state."""
    from app.plans import services

    def make(case, state="draft", drafter=None, approver=None, data=None):
        drafter = drafter or people.caseworker
        approver = approver or people.supervisor
        plan = services.create_plan(case, drafter, copy.deepcopy(CONTENT if data is None else data))
        steps = {
            "draft": [],
            "in_review": ["submit_for_review"],
            "approved": ["submit_for_review", "approve"],
            "issued": ["submit_for_review", "approve", "issue"],
            "revising": ["submit_for_review", "approve", "issue", "revise"],
            "superseded": ["submit_for_review", "approve", "issue", "revise"],
        }[state]
        for action in steps:
            result = services.transition(plan, action, approver if action == "approve" else drafter)
            if action == "revise":
                revision = result
        if state == "superseded":
            for action in ("submit_for_review", "approve", "issue"):
                services.transition(revision, action, approver if action == "approve" else drafter)
        session.commit()
        return plan

    return make


# The API's token fixtures (``api``, ``token_for``), for this package's API tests.
from tests.api import conftest as _api_fixtures  # noqa: E402

api = _api_fixtures.api
token_for = _api_fixtures.token_for


@pytest.fixture
def call(api):
    """``call(user, method, path, json=None, language="en")``: one API request as ``user``."""
    clients = {}

    def do(user, method, path, json=None, language="en"):
        key = (user.id, language)
        if key not in clients:
            clients[key] = api(user, language)
        client = clients[key]
        return client.client.open(path, method=method, json=json, headers=client.headers())

    return do
