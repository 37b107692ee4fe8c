"""PDF render time of a fast mediation's documents against the acceptance notice of the same case, as JSON.

    python -m bench.bench_mediation_pdf                  # Chinese-speaking applicant, 15 renders each
    python -m bench.bench_mediation_pdf --lang en        # English-speaking applicant
    python -m bench.bench_mediation_pdf --out /tmp/pdfs  # also keep the previews and the issued copies there

One case is recorded in a throwaway SQLite database and accepted (which issues its acceptance
notice); a fast mediation of it is driven through the one door (``app.mediation.services``) to an
agreement, a second one to a failure. Then the acceptance notice, the mediation agreement and the
termination notice are rendered ``--runs`` times each after a warm-up, in turn, through
``app.cases.documents.preview_pdf`` (the path of issuing, without storing). Figures are milliseconds
per render, wall-clock and CPU (CPU is the steadier one on a busy machine); the garbage collector's
long-lived heap is frozen after the warm-up, as in ``bench.pdf``. The target: the agreement renders in
less than twice the acceptance notice's time (median).
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.pages import percentile

FULL_CONDITIONS = {
    "real_name": True,
    "named_respondent": True,
    "facts_and_evidence": True,
    "within_jurisdiction": True,
    "not_pending_elsewhere": True,
}

PEOPLE = {
    "zh": {
        "locale": "zh_CN",
        "caseworker": "李明",
        "mediator": "赵静",
        "applicant": "王芳",
        "enterprise": ("北京华芯精密机械有限公司", "北京市海淀区中关村大街27号"),
        "title": "实用新型专利被电商平台店铺仿冒",
        "right": "一种可折叠的手机支架",
        "respondent": ("深圳市某某电子科技有限公司", "广东省深圳市南山区科技园南区深南大道9988号"),
        "facts": "被申请人在电商平台销售与本专利保护范围相同的折叠支架产品，价格明显低于市场价。",
        "agreement": {
            "facts": "申请人系ZL202320123456.1号实用新型专利的专利权人。被申请人自2026年3月起在其电商平台店铺销售"
            "折叠式手机支架，经比对，该产品落入涉案专利权利要求1的保护范围。",
            "disputed_issues": "一、被申请人销售的产品是否落入涉案专利的保护范围；二、被申请人应否赔偿及赔偿数额。",
            "liability": "被申请人销售的产品落入涉案专利的保护范围，被申请人应停止销售并赔偿申请人的经济损失；"
            "申请人对损失的扩大无过错。",
            "terms": [
                "被申请人自本协议生效之日起立即停止销售被控侵权产品，并下架其电商平台店铺中的相关商品链接。",
                "被申请人向申请人支付经济损失及合理开支共计人民币壹万伍仟元整。",
                "被申请人于履行期限届满前销毁库存的被控侵权产品，并向申请人提供销毁的照片或视频。",
                "双方就本纠纷再无其他争议。",
            ],
            "amount_fen": 1_500_000,
            "performance_method": "被申请人通过银行转账一次性支付至申请人指定的账户。",
            "costs_borne_by": "本次调解不收取费用；双方各自承担其为本次调解支出的差旅费、律师费等费用。",
        },
        "failure": "被申请人在第二次调解会上表示不接受任何赔偿方案，双方分歧较大，无法达成调解协议。",
        "place": "中心二楼调解室",
    },
    "en": {
        "locale": "en",
        "caseworker": "Li Ming",
        "mediator": "Zhao Jing",
        "applicant": "Wang Fang",
        "enterprise": ("Huaxin Precision Machinery Co., Ltd.", "27 Zhongguancun Street, Haidian District, Beijing"),
        "title": "Utility model copied by an online shop",
        "right": "Foldable phone stand",
        "respondent": ("Shenzhen Example Electronics Co., Ltd.", "9988 Shennan Avenue, Nanshan District, Shenzhen"),
        "facts": "The respondent sells a foldable stand identical to the protected design at a much lower price.",
        "agreement": {
            "facts": "The requester holds utility model patent ZL202320123456.1. Since March 2026 the respondent "
            "has sold a foldable phone stand in its online shop which, compared with claim 1, falls within the "
            "scope of protection of the patent.",
            "disputed_issues": "1. Whether the product falls within the scope of protection; 2. whether the "
            "respondent owes damages, and how much.",
            "liability": "The product falls within the scope of protection; the respondent stops selling it and "
            "compensates the requester's loss.",
            "terms": [
                "The respondent stops selling the accused product on the day this agreement takes effect and "
                "removes its listings from its online shop.",
                "The respondent pays the requester RMB 15,000 for its loss and reasonable expenses.",
                "The respondent destroys its stock of the accused product before the date of performance and "
                "sends the requester photographs or a video of the destruction.",
                "The parties have no further claims about this dispute.",
            ],
            "amount_fen": 1_500_000,
            "performance_method": "By a single bank transfer to the account the requester names.",
            "costs_borne_by": "The mediation is free of charge; each party bears its own travel and legal costs.",
        },
        "failure": "At the second session the respondent refused any settlement; the positions are too far apart.",
        "place": "Mediation room, 2nd floor of the centre",
    },
}


def _setup(lang: str):
    """A centre with a caseworker and a mediator, an enterprise with an applicant speaking ``lang``, one
    accepted case, a mediation of it that ended in an agreement and a second one that failed."""
    from decimal import Decimal

    from app.auth.models import Role, User
    from app.cases import services as cases
    from app.centres.models import Centre, CentreLevel
    from app.core.workdays import CHINA
    from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
    from app.enterprises.sme_size import Industry
    from app.extensions import db
    from app.mediation import services
    from bench.generate import credit_code

    data = PEOPLE[lang]
    centre = Centre(
        code="BJ",
        name_zh="北京市知识产权维权援助中心",
        name_en="Beijing IP Assistance Centre",
        level=CentreLevel.MUNICIPAL,
        path="/",
    )
    centre.address, centre.phone = "北京市海淀区知春路甲1号", "010-12330"
    db.session.add(centre)
    db.session.flush()
    centre.assign_path()
    caseworker = User(
        email="cw@bench.cn", name=data["caseworker"], role=Role.CASEWORKER, centre=centre, password_hash="x"
    )
    caseworker.phone = "010-66668888"
    mediator = User(email="med@bench.cn", name=data["mediator"], role=Role.MEDIATOR, centre=centre, password_hash="x")
    mediator.phone = "010-66669999"
    applicant = User(
        email="ap@bench.cn", name=data["applicant"], role=Role.APPLICANT, password_hash="x", locale=data["locale"]
    )
    code = credit_code(1)
    firm = Enterprise(
        credit_code=code,
        region_code=code[2:8],
        name=data["enterprise"][0],
        address=data["enterprise"][1],
        industry=Industry.INDUSTRY,
        staff_count=60,
        revenue_wan=Decimal("1500"),
        centre=centre,
    )
    firm.refresh_size_class()
    db.session.add_all([caseworker, mediator, applicant, firm])
    db.session.add(EnterpriseMember(enterprise=firm, user=applicant, status=MembershipStatus.ACTIVE))
    db.session.flush()
    case = cases.create_case(
        applicant,
        enterprise=firm,
        kind="complaint",
        channel="web",
        title=data["title"],
        rights=[{"type": "utility_model", "number": "202320123456.1", "title": data["right"]}],
        respondents=[{"name": data["respondent"][0], "credit_code": credit_code(2), "address": data["respondent"][1]}],
        facts=data["facts"],
    )
    cases.transition(case, "acknowledge", caseworker)
    cases.transition(case, "accept", caseworker, data={"conditions": FULL_CONDITIONS})
    today = datetime.now(CHINA).date()

    def opened():
        m = services.request_mediation(
            case, caseworker, mediator=mediator.email, scope="damages", requests="", not_in_court=True
        )
        services.transition(m, "serve_respondent", caseworker, data={"served_on": today.isoformat(), "method": "post"})
        services.transition(m, "respondent_agrees", mediator, data={})
        starts = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        services.transition(m, "schedule_session", mediator, data={"starts_at": starts, "place": data["place"]})
        services.transition(
            m,
            "record_session",
            mediator,
            data={"session": str(m.sessions[-1].id), "held_at": datetime.now(UTC).isoformat(), "minutes": "-"},
        )
        return m

    agreed = opened()
    terms = dict(data["agreement"], perform_by=(today + timedelta(days=20)).isoformat())
    services.transition(agreed, "record_agreement", mediator, data=terms)
    failed = opened()
    services.transition(failed, "record_failure", mediator, comment=data["failure"])
    db.session.commit()
    return case, agreed, failed


def _pages(pdf: bytes) -> int | None:
    if shutil.which("pdfinfo") is None:
        return None
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else None


def _measure(renders: dict, runs: int, warmup: int) -> dict:
    """Wall-clock and CPU milliseconds per render, the documents rendered in turn."""
    wall: dict[str, list[float]] = {name: [] for name in renders}
    cpu: dict[str, list[float]] = {name: [] for name in renders}
    for _ in range(warmup):
        for render in renders.values():
            render()
    gc.collect()
    gc.freeze()
    try:
        for _ in range(runs):
            for name, render in renders.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                render()
                cpu[name].append((time.process_time() - started_cpu) * 1000)
                wall[name].append((time.perf_counter() - started) * 1000)
    finally:
        gc.unfreeze()
    out: dict = {}
    for label, series in (("wall_ms", wall), ("cpu_ms", cpu)):
        figures = {
            name: {"p50": round(statistics.median(v), 1), "p95": round(percentile(v, 95), 1)}
            for name, v in series.items()
        }
        base = figures["acceptance_notice"]["p50"]
        figures["ratio_p50"] = {
            name: round(figures[name]["p50"] / base, 2) for name in series if name != "acceptance_notice"
        }
        out[label] = figures
    return out


def run(runs: int, warmup: int, lang: str, out_dir: str | None) -> dict:
    from app import create_app
    from app.cases import documents
    from app.cases.enums import DocumentKind
    from app.core.db import Base
    from config import TestingConfig

    workdir = Path(tempfile.mkdtemp(prefix="bench-mediation-pdf-"))
    try:
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{workdir / 'bench.sqlite3'}"
        config.UPLOAD_FOLDER = str(workdir / "uploads")
        app = create_app(config)
        with app.app_context():
            Base.metadata.create_all(app.extensions["db_engine"])
            case, agreed, failed = _setup(lang)
            renders = {
                "acceptance_notice": lambda: documents.preview_pdf(case, DocumentKind.ACCEPTANCE_NOTICE),
                "mediation_agreement": lambda: documents.preview_pdf(
                    case, DocumentKind.MEDIATION_AGREEMENT, subject=agreed
                ),
                "mediation_termination": lambda: documents.preview_pdf(
                    case, DocumentKind.MEDIATION_TERMINATION, subject=failed
                ),
            }
            samples = {name: render() for name, render in renders.items()}
            if out_dir:
                Path(out_dir).mkdir(parents=True, exist_ok=True)
                for name, pdf in samples.items():
                    Path(out_dir, f"{name}-{lang}.pdf").write_bytes(pdf)
                for document in documents.case_documents(case):  # the copies issued, with number and QR code
                    data = documents.read_document(document)
                    Path(out_dir, f"issued-{document.kind.value}-{document.id}-{lang}.pdf").write_bytes(data)
            result = {
                "language": lang,
                "runs": runs,
                "warmup": warmup,
                "pages": {name: _pages(pdf) for name, pdf in samples.items()},
                "bytes": {name: len(pdf) for name, pdf in samples.items()},
                "render": _measure(renders, runs, warmup),
            }
            ratio = result["render"]["wall_ms"]["ratio_p50"]["mediation_agreement"]
            result["target_ratio"] = 2
            result["within_target"] = ratio < 2
            return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="renders of each document after the warm-up")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="the applicant's language")
    parser.add_argument("--out", help="a folder to keep one sample of each PDF in")
    args = parser.parse_args()
    print(json.dumps(run(args.runs, args.warmup, args.lang, args.out), ensure_ascii=False))


if __name__ == "__main__":
    main()
