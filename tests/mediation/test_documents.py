"""The documents a fast mediation issues, read back from the stored PDFs: the agreement (调解协议书)
and the termination notice (终止调解通知书), in the applicant's language."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from app.cases import documents
from app.cases.enums import DocumentKind
from app.cases.models import CaseEvent, Document
from app.core.audit import verify_chain
from app.core.document_numbers import grouped
from app.core.workdays import CHINA
from app.mediation import services
from tests.helpers import valid_credit_code

RESPONDENT = "深圳市某某电子科技有限公司"
RESPONDENT_ADDRESS = "广东省深圳市南山区深南大道9988号"
TERMS = ["被申请人立即停止销售被控侵权产品并下架相关链接", "被申请人向申请人支付经济损失人民币壹万伍仟元整"]
EN_TERMS = [
    "The respondent stops selling the accused product at once.",
    "The respondent pays the requester RMB 15,000.",
]
FAILURE = "被申请人拒绝任何赔偿方案，双方分歧较大"
# Words of the English templates that must never show in a Chinese document.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|requester|respondent|mediator|mediation|agreement|signature|seal|date|notice|"
    r"court|ruling|terms?|amount|costs?|facts|patent|utility|model|damages|infringement)\b",
    re.IGNORECASE,
)


@pytest.fixture(autouse=True)
def _documents_use_this_app(app):
    """Services called outside a request render and store with the app of this test session."""
    documents.remember_app(app)


@pytest.fixture
def respondent_code():
    return valid_credit_code()


@pytest.fixture
def accepted(world, make_case, respondent_code):
    return make_case(
        world.applicant,
        world.enterprise,
        state="accepted",
        staff=world.users["caseworker"],
        respondents=[{"name": RESPONDENT, "credit_code": respondent_code, "address": RESPONDENT_ADDRESS}],
    )


def text_of(data: bytes, squash: bool = True) -> str:
    """The PDF's text (pdftotext); squashed: without any whitespace, so that line breaks do not matter."""
    assert data[:5] == b"%PDF-"
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    text = out.stdout.decode()
    return "".join(text.split()) if squash else text


def squashed(text: str) -> str:
    return "".join(text.split())


def today():
    return datetime.now(CHINA).date()


def in_mediation(world, case):
    """A mediation of ``case`` driven through the one door to the point where it is mediated, with a session held."""
    mediator, caseworker = world.users["mediator"], world.users["caseworker"]
    m = services.request_mediation(
        case, caseworker, mediator=mediator.email, scope="damages", requests="请求赔偿", not_in_court=True
    )
    services.transition(m, "serve_respondent", caseworker, data={"served_on": today().isoformat(), "method": "post"})
    services.transition(m, "respondent_agrees", mediator, data={})
    starts = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    services.transition(m, "schedule_session", mediator, data={"starts_at": starts, "place": "中心二楼调解室"})
    services.transition(
        m,
        "record_session",
        mediator,
        data={"session": str(m.sessions[0].id), "held_at": datetime.now(UTC).isoformat(), "minutes": "双方陈述意见"},
    )
    return m


def agreed(world, case, *, terms=TERMS, amount_fen=1_500_000, **kw):
    m = in_mediation(world, case)
    data = {
        "facts": "被申请人在电商平台销售落入涉案专利保护范围的产品",
        "disputed_issues": "是否侵权及赔偿数额",
        "liability": "被申请人承担停止侵权和赔偿损失的责任",
        "terms": terms,
        "amount_fen": amount_fen,
        "perform_by": (today() + timedelta(days=20)).isoformat(),
        "performance_method": "银行转账至申请人指定账户",
        "costs_borne_by": "调解不收费，双方各自承担其他费用",
    }
    data.update(kw)
    services.transition(m, "record_agreement", world.users["mediator"], data=data)
    return m


def failed(world, case):
    m = in_mediation(world, case)
    services.transition(m, "record_failure", world.users["mediator"], comment=FAILURE)
    return m


def issued(session, case, kind) -> Document:
    session.expire_all()
    return session.execute(select(Document).where(Document.case_id == case.id, Document.kind == kind)).scalar_one()


def chain_of(session, case) -> list[CaseEvent]:
    return list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).scalars())


def zh_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# ---- the agreement ----------------------------------------------------------------------------------------


def test_the_agreement_states_what_the_law_asks_in_chinese(world, accepted, session, respondent_code):
    m = agreed(world, accepted)
    doc = issued(session, accepted, DocumentKind.MEDIATION_AGREEMENT)
    assert doc.language == "zh_CN" and doc.template == "pdf/mediation_agreement.html"
    assert doc.number and "调" in doc.number and doc.verification_code
    raw = text_of(documents.read_document(doc), squash=False)
    text = squashed(raw)
    assert "调解协议书" in text and doc.number in text and grouped(doc.verification_code) in text
    # The parties' particulars, the mediator and the right.
    assert "申请人：本市企业有限公司" in text and world.enterprise.credit_code in text
    assert "被申请人：" + RESPONDENT in text and respondent_code in text and RESPONDENT_ADDRESS in text
    assert "统一社会信用代码：" in text and "住所：" in text
    assert "调解员：" + world.users["mediator"].name in text
    assert "202320123456.1" in text and "一种折叠式支架" in text and "实用新型专利" in text
    # What was agreed: the facts, issues and liability; each term, numbered; the sum in figures and capitals.
    for heading in ("一、纠纷的主要事实", "二、争议事项", "三、各方当事人的责任", "四、协议内容", "五、履行方式和期限"):
        assert heading in text
    assert "被申请人在电商平台销售落入涉案专利保护范围的产品" in text and "是否侵权及赔偿数额" in text
    assert "被申请人承担停止侵权和赔偿损失的责任" in text
    assert "（一）" + TERMS[0] in text and "（二）" + TERMS[1] in text
    assert "人民币15,000.00元（大写：壹万伍仟元整）" in text
    # How and by when it is performed, who bears the costs.
    assert f"本协议应于{zh_date(m.perform_by)}前" in text and "银行转账至申请人指定账户" in text
    assert "调解不收费，双方各自承担其他费用" in text
    # When it takes effect, and the judicial confirmation open to the parties.
    assert "调解员签名并加盖本中心印章之日起生效" in text and "《中华人民共和国人民调解法》第二十九条" in text
    assert "30日内" in text and "司法确认" in text and "《中华人民共和国民事诉讼法》第二百零五条" in text
    # Where the parties, the mediator and the centre sign or seal, with date lines.
    for label in ("申请人（签名或盖章）：", "被申请人（签名或盖章）：", "调解员（签名）：", "调解组织（盖章）："):
        assert label in text
    assert text.count("年月日") >= 3  # the blank date lines of the parties and the mediator
    assert zh_date(m.agreed_at.astimezone(CHINA)) in text
    # Chinese throughout: no enum value, no English word of the templates.
    assert "utility_model" not in text and "damages" not in text
    assert not ENGLISH_WORDS.search(raw), ENGLISH_WORDS.search(raw)


def test_the_agreement_is_recorded_as_the_mediation_document_in_the_case_chain(world, accepted, session):
    m = agreed(world, accepted)
    doc = issued(session, accepted, DocumentKind.MEDIATION_AGREEMENT)
    assert doc.subject_type == "mediation" and doc.subject_id == m.id and doc.case_id == accepted.id
    events = chain_of(session, accepted)
    [event] = [e for e in events if e.action == "issue_document" and e.subject_type == "mediation"]
    assert event.subject_id == m.id
    assert event.data["document"] == "mediation_agreement" and event.data["document_id"] == doc.id
    assert event.data["sha256"] == doc.sha256 and event.data["number"] == doc.number
    assert verify_chain(accepted.number, events) is None


def test_an_agreement_without_a_sum_has_no_amount_line(world, accepted, session):
    agreed(world, accepted, terms=["被申请人立即停止销售被控侵权产品"], amount_fen=None)
    text = text_of(documents.read_document(issued(session, accepted, DocumentKind.MEDIATION_AGREEMENT)))
    assert "（一）被申请人立即停止销售被控侵权产品" in text
    assert "大写" not in text and "人民币" not in text


def test_an_english_speaking_applicant_gets_the_agreement_in_english(world, make_case, session, respondent_code):
    world.applicant.locale = "en"
    session.commit()
    case = make_case(
        world.applicant,
        world.enterprise,
        state="accepted",
        staff=world.users["caseworker"],
        respondents=[{"name": RESPONDENT, "credit_code": respondent_code, "address": RESPONDENT_ADDRESS}],
    )
    m = agreed(world, case, terms=EN_TERMS, amount_fen=1_000_507)
    doc = issued(session, case, DocumentKind.MEDIATION_AGREEMENT)
    assert doc.language == "en" and doc.subject_type == "mediation" and doc.subject_id == m.id
    text = text_of(documents.read_document(doc))
    assert "Mediationagreement" in text and doc.number in text
    assert "Requester:本市企业有限公司" in text and "Respondent:" + RESPONDENT in text
    assert world.enterprise.credit_code in text and respondent_code in text
    assert "utilitymodelpatentNo.202320123456.1" in text
    assert "(1)" + squashed(EN_TERMS[0]) in text and "(2)" + squashed(EN_TERMS[1]) in text
    assert "RMB10,005.07(inwords,asChinesecapitals:壹万零伍元零柒分)" in text
    assert squashed(format_date(m.perform_by, "long", locale="en")) in text
    assert "People'sMediationLaw" in text and "art.29" in text and "art.205" in text
    for label in ("Requester(signatureorseal):", "Respondent(signatureorseal):", "Mediator(signature):"):
        assert label in text
    assert "Mediationorganisation(seal):" in text and "CAcentre" in text
    assert "调解协议书" not in text and "申请人（" not in text and "年月日" not in text


# ---- the termination notice ------------------------------------------------------------------------------


def test_the_termination_notice_gives_the_reason_and_the_routes(world, accepted, session):
    m = failed(world, accepted)
    doc = issued(session, accepted, DocumentKind.MEDIATION_TERMINATION)
    assert doc.template == "pdf/mediation_termination.html" and doc.language == "zh_CN"
    assert doc.subject_type == "mediation" and doc.subject_id == m.id and "调终" in doc.number
    raw = text_of(documents.read_document(doc), squash=False)
    text = squashed(raw)
    assert "终止调解通知书" in text and doc.number in text
    assert f"本市企业有限公司、{RESPONDENT}：" in text  # addressed to both parties
    assert accepted.number in text and "202320123456.1" in text
    assert f"本中心于{zh_date(m.opened_at.astimezone(CHINA))}立案调解" in text
    assert f"本中心于{zh_date(m.ended_at.astimezone(CHINA))}决定终止调解" in text
    assert "终止调解的原因" in text and squashed(FAILURE) in text
    assert "管理专利工作的部门" in text and "行政裁决" in text  # an administrative ruling
    assert "人民法院提起诉讼" in text  # or a lawsuit
    assert "行政执法部门" in text  # and a referral where the infringement continues
    assert "侵权及赔偿" in text and "（盖章）" in text and "CA维权援助中心" in text
    assert not ENGLISH_WORDS.search(raw), ENGLISH_WORDS.search(raw)
    events = chain_of(session, accepted)
    [event] = [e for e in events if e.action == "issue_document" and e.subject_type == "mediation"]
    assert event.subject_id == m.id and event.data["document"] == "mediation_termination"
    assert verify_chain(accepted.number, events) is None


def test_the_termination_notice_in_english(world, make_case, session):
    world.applicant.locale = "en"
    session.commit()
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    failed(world, case)
    text = text_of(documents.read_document(issued(session, case, DocumentKind.MEDIATION_TERMINATION)))
    assert "Noticeofterminationofmediation" in text and squashed(FAILURE) in text
    assert "administrativeruling" in text and "lawsuit" in text and "enforcementagency" in text
    assert "matter mediated: infringement and damages".replace(" ", "") in text
    assert "终止调解" not in text and "年" not in text


def test_a_dispute_about_another_right_is_not_sent_to_the_patent_department(world, make_case, session):
    case = make_case(
        world.applicant,
        world.enterprise,
        state="accepted",
        staff=world.users["caseworker"],
        rights=[{"type": "trademark", "number": "12345678", "title": "华芯"}],
    )
    failed(world, case)
    text = text_of(documents.read_document(issued(session, case, DocumentKind.MEDIATION_TERMINATION)))
    assert "号码为12345678、名称为“华芯”的" in text
    assert "管理专利工作的部门" not in text and "有关行政管理部门处理" in text
    assert "人民法院提起诉讼" in text
