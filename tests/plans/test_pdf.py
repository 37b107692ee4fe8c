"""The issued plan as a PDF (read back with pdftotext): its title, the case and parties, the facts, the right,
the comparison table, the evidence, the routes with their costs in yuan and their time, the damages estimate,
its number in the centre's series 方, and for a revision what it supersedes; in Chinese and in English (the
applicant's language)."""

from __future__ import annotations

import subprocess

from app.cases.documents import read_document
from app.plans import services
from app.plans.queries import documents_of
from tests.plans.conftest import CONTENT


def text_of(data: bytes) -> str:
    """The PDF's text without any whitespace, so that line breaks do not matter."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def _pdf(plan) -> tuple:
    [document] = documents_of([plan])[plan.id]
    return document, text_of(read_document(document))


def _issue_revision(plan, people, session):
    revision = services.transition(plan, "revise", people.caseworker)
    services.save_plan(revision, people.caseworker, {"evidence_needed": ["被控新型号产品的公证购买"]}, revision.version)
    for action, actor in (
        ("submit_for_review", people.caseworker),
        ("approve", people.supervisor),
        ("issue", people.caseworker),
    ):
        services.transition(revision, action, actor)
    session.commit()
    return revision


def test_the_plan_in_chinese(accepted, people, make_plan, session):
    plan = make_plan(accepted, "issued")
    document, text = _pdf(plan)
    assert document.language == "zh_CN"
    for words in (
        "维权方案",
        document.number,
        accepted.number,
        accepted.title,
        accepted.enterprise.name,
        "某某科技有限公司",  # the respondent
        "实用新型专利",
        accepted.rights[0].number,
        "权利要求1、2",
        "一、事实经过",
        "被投诉人自2026年1月起在某电商平台销售折叠式支架",
        "三、侵权比对",
        "支腿通过卡扣锁定",
        "支腿通过磁吸锁定",
        "相同",
        "等同",
        "已有证据",
        "公证购买的被控产品及发票",
        "尚需补充的证据",
        "专利权评价报告",
        "五、建议的维权途径",
        "调解",
        "电商平台投诉",
        "诉讼",
        "免费",
        "30,000.00",
        "6至12个月",
        "六、损害赔偿估算",
        "人民币50,000.00元",
        "伍万元整",
        "按被控产品销量约2,000件",
        "申请人主张赔偿人民币50,000.00元",
    ):
        assert "".join(words.split()) in text, words
    assert "方〔" in document.number and "第1版。" not in text  # a first plan supersedes nothing


def test_a_revision_in_english_says_what_it_supersedes(accepted, people, make_plan, session):
    people.applicant.locale = "en"
    session.commit()
    plan = make_plan(accepted, "issued", data={**CONTENT, "damages": None})
    first, _text = _pdf(plan)
    revision = _issue_revision(plan, people, session)
    document, text = _pdf(revision)
    assert document.language == "en" and document.number != first.number
    for words in (
        "Rights-protection plan",
        "Revision 2. It supersedes revision 1 (" + first.number + ", issued on",
        "1. Facts",
        "2. The right relied on",
        "Utility model patent",
        "3. Infringement comparison",
        "Identical",
        "Equivalent",
        "4. Evidence",
        "Evidence still needed",
        "被控新型号产品的公证购买",
        "5. Recommended routes",
        "Estimated cost (yuan)",
        "Mediation",
        "Complaint to the",  # "e-commerce" may break at its hyphen, which pdftotext then drops
        "commerce platform",
        "Litigation",
        "Free of charge",
        "30,000.00",
        "6. Notes",  # no damages estimate: the notes come sixth
    ):
        assert "".join(words.split()) in text, words
    assert "Damagesestimate" not in text
    # The superseded plan's PDF is kept as it was issued.
    assert _pdf(plan)[0].sha256 == first.sha256
