"""Issuing the monthly reports (``flask --app wsgi reports issue``): every active centre's report of the
month, numbered, kept as issued (its figures frozen, its PDF stored), once, however often and however
concurrently the command runs; a month still open is refused; the chain catches frozen figures changed
behind the application."""

from __future__ import annotations

import subprocess
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.reports import monthly
from app.reports.models import MonthlyReport
from tests.reports import gen

AFTER = gen.NOW + timedelta(days=30)  # the generated month is long over


@pytest.fixture
def world(session, make_centre, make_user, make_enterprise):
    return gen.build(session, make_centre, make_user, make_enterprise, cases=60)


def test_every_active_centre_once_however_often_it_runs(app, session, world):
    issued, skipped = monthly.issue_all(gen.MONTH, now=AFTER)
    centres = len(world.centres)
    assert (issued, skipped) == (centres, 0)
    assert monthly.issue_all(gen.MONTH, now=AFTER) == (0, centres)
    rows = session.execute(select(MonthlyReport)).scalars().all()
    assert len(rows) == centres
    province = next(r for r in rows if r.centre_id == world.province.id)
    doc = province.document
    assert doc.number and doc.verification_code and doc.kind.value == "monthly_report"
    assert province.figures["period"] == gen.MONTH.key
    # The page, the API and the workbook read the frozen figures from now on, whatever changes later.
    loaded = monthly.load(world.province, gen.MONTH)
    assert loaded.issued == province and loaded.preview is False and loaded.data == province.figures
    # Its text says what it counts (pdftotext of the stored bytes).
    from app.cases.documents import read_document

    text = subprocess.run(
        ["pdftotext", "-", "-"], input=read_document(doc), capture_output=True, check=True
    ).stdout.decode()
    assert world.province.name_zh in text and "预览" not in text


def test_a_reading_copy_in_another_language_carries_the_issued_reports_number_and_code(app, session, world):
    """The issued report is Chinese; an English reader gets a copy rendered now that names the original's number
    and verification code (the verification page answers for the original), and says it is a reading copy."""
    from app.cases.documents import read_document
    from app.core.document_numbers import grouped

    monthly.issue_all(gen.MONTH, now=AFTER)
    loaded = monthly.load(world.province, gen.MONTH)
    doc = loaded.issued.document
    with app.app_context():  # as the report's page and the API call it
        copy = monthly.pdf_bytes(loaded, "en")
    assert copy != read_document(doc)
    text = subprocess.run(["pdftotext", "-", "-"], input=copy, capture_output=True, check=True).stdout.decode()
    flat = "".join(text.split())  # pdftotext spaces Latin text from Chinese
    assert "".join(doc.number.split()) in flat and "".join(grouped(doc.verification_code).split()) in flat
    assert "Reading copy" in text and "PREVIEW" not in text


def test_every_figure_fits_its_column(app, session, world):
    """The fund's balance (close to a hundred million yuan in the generated month) and every other figure fit their
    columns: pdftotext reads each as a word of its own, never two amounts or changes run into each other."""
    import re

    with app.app_context():
        pdf = monthly.pdf_bytes(monthly.load(world.province, gen.MONTH), "zh_CN")
    boxes = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    words = re.findall(r">([^<]+)</word>", boxes)
    assert any(re.fullmatch(r"\d{2},\d{3},\d{3}\.\d\d", w) for w in words)  # tens of millions: the widest figure
    run_together = [w for w in words if re.search(r"\.\d\d[\d−+-]|%[\d−+-]", w)]
    assert not run_together


def test_a_month_still_open_is_not_issued(app, session, world):
    with pytest.raises(monthly.NotYetOver):
        monthly.issue_month(world.province, gen.MONTH, now=gen.MONTH.bounds()[0] + timedelta(days=3))
    assert session.execute(select(func.count(MonthlyReport.id))).scalar_one() == 0


def test_the_command(app, session, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "issue", "--month", "2999-01"])
    assert result.exit_code != 0 and "尚未开始" in result.output  # the default language
    result = runner.invoke(args=["reports", "issue", "--month", "2026-1"])
    assert result.exit_code != 0 and "2026-11" in result.output  # the example of the format
    result = runner.invoke(args=["reports", "issue", "--month", gen.MONTH.key, "--centre", world.province.code])
    assert result.exit_code == 0, result.output
    assert '"issued": 1' in result.output
    again = runner.invoke(args=["reports", "issue", "--month", gen.MONTH.key, "--centre", world.province.code])
    assert '"issued": 0' in again.output and '"already_issued": 1' in again.output


def test_figures_changed_behind_the_application_are_caught(app, session, world):
    from app.core.chains import verify

    monthly.issue_month(world.province, gen.MONTH, now=AFTER)
    session.commit()
    problems, _chains = verify()
    assert problems == []
    row = session.execute(select(MonthlyReport)).scalar_one()
    tampered = dict(row.figures)
    tampered["values"] = {**tampered["values"], "current": {"all": {"cases.received": 999}}}
    session.execute(MonthlyReport.__table__.update().where(MonthlyReport.id == row.id).values(figures=tampered))
    session.expire_all()
    problems, _chains = verify()
    assert [p.chain for p in problems] == [f"monthly_report {row.id}"]
    assert "fields were changed" in problems[0].problem


@pytest.mark.e2e  # it commits for real, on a database of its own: the per-test rollback stays out
def test_two_runs_at_once_issue_each_report_once(tmp_path_factory):
    """Two issuing runs racing in real threads on their own database: one report per centre, the
    other run skips it; each centre's series has no gap and no number twice."""
    import os

    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("SQLite serialises its writers: the race is PostgreSQL's")
    from app.cases.models import Document
    from app.extensions import db
    from tests.conftest import fresh_database_url, make_app, new_centre, new_enterprise, new_user

    url = fresh_database_url(tmp_path_factory, "issue_race")
    app = make_app(url, UPLOAD_FOLDER=str(tmp_path_factory.mktemp("race-uploads")))
    with app.app_context():
        from app.auth.passwords import hash_password

        province = new_centre(db.session)
        for _ in range(4):
            city = new_centre(db.session, parent=province)
            new_enterprise(db.session, city)
        new_user(db.session, hash_password("x-Long-password-1"), centre=province)
        db.session.commit()
        db.session.remove()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                results.append(monthly.issue_all(gen.MONTH, now=AFTER))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sum(issued for issued, _skipped in results) == 5
    with app.app_context():
        rows = db.session.execute(select(MonthlyReport)).scalars().all()
        assert len(rows) == 5 and len({r.centre_id for r in rows}) == 5
        numbers = db.session.execute(select(Document.centre_id, Document.sequence)).all()
        assert sorted(seq for _c, seq in numbers) == [1] * 5
        db.session.remove()
    app.extensions["db_engine"].dispose()
