"""PDF render time: the same one-page acceptance notice in Chinese and in Latin-only text, as JSON.

    python -m bench.pdf                 # the configuration the app runs with
    python -m bench.pdf --variants      # also without compact fonts / without reusing the font config

Two cases are recorded in a throwaway SQLite database, one for a Chinese-speaking applicant
with Chinese names throughout, one for an English-speaking applicant with Latin names; each
is accepted, then its acceptance notice is rendered (``documents.preview_pdf``: the same
path as issuing, without storing) ``--runs`` times after a warm-up, alternating the two.
Figures are milliseconds per render, wall-clock and CPU (the CPU figures are the steadier
ones on a busy machine); the garbage collector's long-lived heap is frozen after the warm-up.
``issued_zh``: the Chinese notice as issuing renders it, with a verification code and its QR code.
The target is a ratio of at most 2.

The Chinese notice must be Chinese throughout, its fixed text too: where the app's catalog
does not translate a string of the notice yet, the benchmark lays a stand-in catalog
(``STAND_IN_ZH``) over it, and ``zh_text_from`` says how many strings came from where.
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
from pathlib import Path

from bench.pages import percentile

FULL_CONDITIONS = {
    "real_name": True,
    "named_respondent": True,
    "facts_and_evidence": True,
    "within_jurisdiction": True,
    "not_pending_elsewhere": True,
}

# Chinese for the notice's own text, used only where the app's catalog has no translation yet.
STAND_IN_ZH = {
    "Acceptance notice": "受理通知书",
    "Case No. %(number)s": "案件编号：%(number)s",
    "(Seal)": "（盖章）",
    "%(name)s:": "%(name)s：",
    "The application you submitted on %(date)s (%(kind)s: “%(title)s”, case number %(number)s) has been "
    "examined. It meets the conditions for acceptance, and the centre has decided to accept it.": (
        "你单位于%(date)s提交的%(kind)s（“%(title)s”，案件编号%(number)s）经审查，符合受理条件，本中心决定予以受理。"
    ),
    "The centre has assigned %(name)s to handle the case. Please keep your contact details up to date and "
    "provide further material when you are asked for it.": (
        "本中心已指定%(name)s承办此案。请保持联系方式畅通，并按要求及时补充相关材料。"
    ),
    "You can follow the progress of the case online with its case number.": "你单位可凭案件编号在线查询办理进度。",
    "Notice is hereby given.": "特此通知。",
    "Case number": "案件编号",
    "Kind of case": "案件类型",
    "Subject": "事由",
    "Applicant": "申请人",
    "Unified social credit code: %(code)s": "统一社会信用代码：%(code)s",
    "Respondent": "被投诉人",
    "Rights relied on": "涉及权利",
    "Filed on": "申请日期",
    "Decided on": "决定日期",
    "Caseworker: %(name)s": "承办人：%(name)s",
    "Telephone: %(phone)s": "联系电话：%(phone)s",
    "Address: %(address)s": "地址：%(address)s",
    "Centre telephone: %(phone)s": "中心电话：%(phone)s",
    "Complaint": "投诉",
    "Utility model patent": "实用新型专利",
}

PEOPLE = {
    "zh": {
        "locale": "zh_CN",
        "centre": (
            "BJ",
            "北京市知识产权维权援助中心",
            "Beijing IP Assistance Centre",
            "北京市海淀区知春路甲1号",
            "010-12330",
        ),
        "caseworker": "李明",
        "applicant": "王芳",
        "enterprise": ("北京华芯精密机械有限公司", "北京市海淀区中关村大街27号"),
        "title": "实用新型专利被电商平台店铺仿冒",
        "right": "一种可折叠的手机支架",
        "respondent": "深圳市某某电子科技有限公司",
        "facts": "被投诉人在电商平台销售与本专利保护范围相同的折叠支架产品，价格明显低于市场价。",
    },
    "latin": {
        "locale": "en",
        "centre": (
            "SH",
            "上海市知识产权维权援助中心",
            "Shanghai IP Assistance Centre",
            "1 Zhichun Road, Haidian",
            "021-12330",
        ),
        "caseworker": "Li Ming",
        "applicant": "Wang Fang",
        "enterprise": ("Huaxin Precision Machinery Co., Ltd.", "27 Zhongguancun Street, Haidian District"),
        "title": "Utility model copied by an online shop",
        "right": "Foldable phone stand",
        "respondent": "Shenzhen Example Electronics Co., Ltd.",
        "facts": "The respondent sells a foldable stand identical to the protected design at a much lower price.",
    },
}


def _setup(app, which: str, seq: int):
    from decimal import Decimal

    from app.auth.models import Role, User
    from app.cases import services
    from app.centres.models import Centre, CentreLevel
    from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
    from app.enterprises.sme_size import Industry
    from app.extensions import db
    from bench.generate import credit_code

    data = PEOPLE[which]
    code, name_zh, name_en, address, phone = data["centre"]
    centre = Centre(code=code, name_zh=name_zh, name_en=name_en, level=CentreLevel.MUNICIPAL, path="/")
    centre.address, centre.phone = address, phone
    db.session.add(centre)
    db.session.flush()
    centre.assign_path()
    caseworker = User(
        email=f"cw{seq}@bench.cn", name=data["caseworker"], role=Role.CASEWORKER, centre=centre, password_hash="x"
    )
    caseworker.phone = "010-66668888"
    applicant = User(
        email=f"ap{seq}@bench.cn", name=data["applicant"], role=Role.APPLICANT, password_hash="x", locale=data["locale"]
    )
    credit = credit_code(seq)
    firm = Enterprise(
        credit_code=credit,
        region_code=credit[2:8],
        name=data["enterprise"][0],
        address=data["enterprise"][1],
        industry=Industry.INDUSTRY,
        staff_count=60,
        revenue_wan=Decimal("1500"),
        centre=centre,
    )
    firm.refresh_size_class()
    db.session.add_all([caseworker, applicant, firm])
    db.session.add(EnterpriseMember(enterprise=firm, user=applicant, status=MembershipStatus.ACTIVE))
    db.session.flush()
    case = services.create_case(
        applicant,
        enterprise=firm,
        kind="complaint",
        channel="web",
        title=data["title"],
        rights=[{"type": "utility_model", "number": "202320123456.1", "title": data["right"]}],
        respondents=[{"name": data["respondent"]}],
        facts=data["facts"],
    )
    services.transition(case, "acknowledge", caseworker)
    services.transition(case, "accept", caseworker, data={"conditions": FULL_CONDITIONS})
    db.session.commit()
    return case


def _pages(pdf: bytes) -> int | None:
    if shutil.which("pdfinfo") is None:
        return None
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else None


def _text(pdf: bytes) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _timed(render) -> tuple[float, float]:
    """One call of ``render``: its wall-clock and CPU milliseconds."""
    started, started_cpu = time.perf_counter(), time.process_time()
    render()
    return (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000


def _p50_p95(values) -> dict:
    return {"p50": round(statistics.median(values), 1), "p95": round(percentile(list(values), 95), 1)}


def _measure(app, cases: dict, runs: int, warmup: int) -> dict:
    """Wall-clock and CPU milliseconds per render (CPU time is steadier on a busy machine)."""
    from app.cases import documents
    from app.cases.enums import DocumentKind

    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(warmup):
        for case in cases.values():
            documents.preview_pdf(case, DocumentKind.ACCEPTANCE_NOTICE)
    # The app, SQLAlchemy and WeasyPrint leave a large long-lived heap; without this, a full collection
    # of it (~90 ms) lands on every twelfth render or so, on whichever language happens to trigger it.
    gc.collect()
    gc.freeze()
    for _ in range(runs):
        for name, case in cases.items():
            wall_ms, cpu_ms = _timed(lambda case=case: documents.preview_pdf(case, DocumentKind.ACCEPTANCE_NOTICE))
            wall[name].append(wall_ms)
            cpu[name].append(cpu_ms)
    out: dict = {}
    for label, series in (("wall_ms", wall), ("cpu_ms", cpu)):
        figures = {name: _p50_p95(v) for name, v in series.items()}
        figures["ratio_p50"] = round(figures["zh"]["p50"] / figures["latin"]["p50"], 2)
        figures["ratio_p95"] = round(figures["zh"]["p95"] / figures["latin"]["p95"], 2)
        out[label] = figures
    return out


def _issued_copy(case) -> bytes:
    """The notice as issuing renders it: with a verification code and its QR code (nothing is taken or stored)."""
    from app.cases import documents
    from app.cases.enums import DocumentKind
    from app.core.db import utcnow
    from app.core.document_numbers import Stamp, new_code
    from app.core.documents import app_context, spec_of

    kind = DocumentKind.ACCEPTANCE_NOTICE
    spec = spec_of(kind)
    issued_at = utcnow()
    context = spec.gather(case, kind, issued_at, None)
    with app_context():
        context["stamp"] = Stamp(None, new_code(), issued_at).context()
        context["signed"] = False
        return documents._render(kind, context, spec.language_of(case))


def _measure_issued(case, runs: int, warmup: int) -> dict:
    """Milliseconds per render of the Chinese notice as an issued copy (its QR code and verification box)."""
    for _ in range(warmup):
        _issued_copy(case)
    wall, cpu = zip(*(_timed(lambda: _issued_copy(case)) for _ in range(runs)), strict=True)
    return {"wall_ms": _p50_p95(wall), "cpu_ms": _p50_p95(cpu)}


def _stand_in_catalog(workdir: Path, base_dirs: str) -> tuple[str, dict]:
    """A catalog with ``STAND_IN_ZH``'s strings the app's catalog lacks, laid over it (later directories win)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    existing = Translations.load(base_dirs.split(";")[0], ["zh_Hans_CN"])
    missing = {k: v for k, v in STAND_IN_ZH.items() if existing.gettext(k) == k}
    catalog = Catalog(locale="zh_Hans_CN")
    for msgid, msgstr in missing.items():
        catalog.add(msgid, msgstr)
    target = workdir / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as out:
        write_mo(out, catalog)
    counts = {"app_catalog": len(STAND_IN_ZH) - len(missing), "bench_stand_in": len(missing)}
    return f"{base_dirs};{workdir / 'translations'}", counts


def run(runs: int, warmup: int, variants: bool) -> dict:
    from app import create_app
    from app.cases import documents
    from app.cases.enums import DocumentKind
    from app.core.db import Base
    from config import TestingConfig

    workdir = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        config = TestingConfig()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{workdir / 'bench.sqlite3'}"
        config.UPLOAD_FOLDER = str(workdir / "uploads")
        config.BABEL_TRANSLATION_DIRECTORIES, text_from = _stand_in_catalog(
            workdir, config.BABEL_TRANSLATION_DIRECTORIES
        )
        app = create_app(config)
        with app.app_context():
            Base.metadata.create_all(app.extensions["db_engine"])
            cases = {"zh": _setup(app, "zh", 1), "latin": _setup(app, "latin", 2)}
            samples = {
                name: documents.preview_pdf(case, DocumentKind.ACCEPTANCE_NOTICE) for name, case in cases.items()
            }
            texts = {name: _text(pdf) for name, pdf in samples.items()}
            result = {
                "document": "acceptance notice",
                "runs": runs,
                "warmup": warmup,
                "pages": {name: _pages(pdf) for name, pdf in samples.items()},
                "bytes": {name: len(pdf) for name, pdf in samples.items()},
                "latin_only": None if texts["latin"] is None else all(ord(ch) < 0x2E80 for ch in texts["latin"]),
                "zh_has_chinese": None if texts["zh"] is None else bool(re.search(r"[\u4e00-\u9fff]", texts["zh"])),
                "zh_text_from": text_from,
                "render": _measure(app, cases, runs, warmup),
                "issued_zh": _measure_issued(cases["zh"], runs, warmup),
            }
            if variants:
                result["variants"] = {}
                for compact, reuse in ((True, False), (False, True), (False, False)):
                    app.config["PDF_COMPACT_FONTS"], app.config["PDF_REUSE_FONT_CONFIG"] = compact, reuse
                    name = f"compact_fonts={compact},reuse_font_config={reuse}"
                    result["variants"][name] = _measure(app, cases, max(5, runs // 3), 2)
                app.config["PDF_COMPACT_FONTS"] = app.config["PDF_REUSE_FONT_CONFIG"] = True
            result["target_ratio"] = 2
            result["within_target"] = result["render"]["wall_ms"]["ratio_p50"] <= 2
            return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="renders per language after the warm-up")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--variants", action="store_true", help="also measure without the speed-ups")
    args = parser.parse_args()
    print(json.dumps(run(args.runs, args.warmup, args.variants), ensure_ascii=False))


if __name__ == "__main__":
    main()
