"""The matching key of a respondent's name, and that every way of writing a respondent keeps it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from app.cases.models import CaseRespondent
from app.respondents.keys import normalise_respondent_name as key
from app.respondents.queries import respondent_key

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "20261207_c0e2a4b6d8f1_respondent_keys.py"


@pytest.mark.parametrize(
    "one, other",
    [
        ("深圳市某某科技有限公司", "深圳市某某科技有限责任公司"),
        ("深圳市某某科技有限公司", "深圳市某某科技股份有限公司"),
        ("深圳市某某科技有限公司", "深圳市某某科技公司"),
        ("深圳市某某科技有限公司", " 深圳市　某某科技 有限公司 "),  # spaces, an ideographic space among them
        ("ＡＢＣ（深圳）科技有限公司", "abc(深圳)科技有限公司"),  # full-width letters and brackets
        ("某某科技有限公司。", "“某某科技”有限公司"),  # full-width punctuation
        ("ACME Trading Co., Ltd.", "acme trading company limited"),
        ("Acme Inc.", "ACME"),
        ("某某®商行", "某某商行"),
    ],
)
def test_spellings_of_one_party_share_a_key(one, other):
    assert key(one) == key(other) != ""


@pytest.mark.parametrize(
    "one, other",
    [
        ("深圳市某某科技有限公司", "深圳市某某电子有限公司"),
        ("某某有限公司", "某某有限公司深圳分公司"),  # a branch is another party
        ("Zinc", "Z"),  # a company form is a whole word, never the tail of one
        ("有限公司", "某某有限公司"),
    ],
)
def test_different_parties_keep_different_keys(one, other):
    assert key(one) != key(other)


def test_edges():
    assert key(None) == key("") == key("  ") == key("。，") == ""
    assert key("有限公司") == "有限公司"  # nothing but a company form: kept, not emptied
    assert key("某" * 300) == "某" * 200
    assert key("张三") == "张三"


def test_a_respondents_key_is_its_credit_code_when_it_has_one():
    assert respondent_key(CaseRespondent(name="某某有限公司", credit_code="91440300MA5XXXXX1X")) == (
        "code",
        "91440300MA5XXXXX1X",
    )
    assert respondent_key(CaseRespondent(name="某某有限责任公司", credit_code=None)) == ("name", "某某")


def test_every_write_keeps_the_key(world, make_case, session):
    """Filed through the service, edited in place through the ORM, and inserted without the ORM."""
    case = make_case(world.applicant, world.enterprise, respondents=[{"name": "ＡＢＣ科技有限公司"}])
    respondent = case.respondents[0]
    assert respondent.name_key == "abc科技"
    respondent.name = "某某贸易有限责任公司"
    session.flush()
    assert (
        session.execute(select(CaseRespondent.name_key).where(CaseRespondent.id == respondent.id)).scalar()
        == "某某贸易"
    )
    # as bench.casegen writes: Core inserts of many rows, with no name_key given
    session.execute(
        insert(CaseRespondent),
        [{"case_id": case.id, "position": p, "name": n} for p, n in ((5, "甲公司"), (6, "Beta Co., Ltd."))],
    )
    keys = session.execute(
        select(CaseRespondent.name_key).where(CaseRespondent.case_id == case.id).order_by(CaseRespondent.position)
    ).scalars()
    assert list(keys) == ["某某贸易", "甲", "beta"]


def test_the_migration_back_fills_every_row_in_batches(world, make_case, session):
    spec = importlib.util.spec_from_file_location("respondent_keys_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for name in ("甲科技有限公司", "乙 科技 有限责任公司", "ＤＥＦ Co., Ltd."):
        make_case(world.applicant, world.enterprise, respondents=[{"name": name}, {"name": name + "二"}])
    session.execute(update(CaseRespondent).values(name_key=""))
    done = migration.backfill(session.connection(), batch=2)
    assert done == session.execute(select(CaseRespondent.id)).all().__len__()
    for name, name_key in session.execute(select(CaseRespondent.name, CaseRespondent.name_key)):
        assert name_key == key(name)
