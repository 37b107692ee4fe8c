"""Document numbers: gapless per (issuing centre, series, year), written in the centre's pattern, safe when
documents are issued at once; verification codes; the particulars an administrator edits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from app.cases import documents
from app.cases.enums import DocumentKind
from app.cases.models import Document
from app.core import document_numbers as numbers
from app.core.errors import ServiceError
from app.extensions import db
from tests.conftest import own_database
from tests.helpers import post_form


@pytest.fixture(autouse=True)
def _documents_use_this_app(app):
    documents.remember_app(app)


def issued(session, case) -> list[Document]:
    session.expire_all()
    return list(session.execute(select(Document).where(Document.case_id == case.id).order_by(Document.id)).scalars())


def test_numbers_are_gapless_per_series_and_per_centre(world, make_case, session):
    caseworker = world.users["caseworker"]
    world.city.document_prefix = "深知援"
    session.commit()
    accepted = [make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker) for _ in range(3)]
    declined = make_case(world.applicant, world.enterprise, state="declined", staff=caseworker)
    numbers_of = [issued(session, case)[0] for case in accepted]
    year = numbers_of[0].year
    assert [d.number for d in numbers_of] == [f"深知援受〔{year}〕{n}号" for n in (1, 2, 3)]
    [notice] = issued(session, declined)
    assert notice.number == f"深知援不受〔{year}〕1号" and notice.series == "不受"
    # Another centre (the county, without a prefix: its code) starts its own series.
    assert numbers.next_number(world.county, "受", year).text == f"CAC受〔{year}〕1号"
    # Issuing again takes the next number; a summary is not numbered but has a code.
    again = documents.issue_document(accepted[0], DocumentKind.ACCEPTANCE_NOTICE, caseworker)
    summary = documents.issue_case_summary(accepted[0], caseworker)
    session.commit()
    assert again.sequence == 4 and summary.number is None and len(summary.verification_code) == 16
    codes = [d.verification_code for d in session.execute(select(Document)).scalars()]
    assert len(set(codes)) == len(codes)


def test_a_new_year_starts_at_one_and_a_rolled_back_number_is_given_back(world, session):
    centre = world.city
    assert numbers.next_number(centre, "受", 2026).sequence == 1
    assert numbers.next_number(centre, "受", 2027).sequence == 1
    with session.begin_nested() as savepoint:
        assert numbers.next_number(centre, "受", 2026).sequence == 2
        savepoint.rollback()
    assert numbers.next_number(centre, "受", 2026).sequence == 2


def test_the_issuing_centre_is_the_cases_centre_at_issue_time(world, make_case, session):
    caseworker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=caseworker)
    case.centre = world.county  # e.g. transferred since
    session.commit()
    doc = documents.issue_document(case, DocumentKind.ACCEPTANCE_NOTICE, caseworker)
    assert doc.centre_id == world.county.id and doc.number.startswith("CAC受")


def test_the_pattern_is_inherited_and_checked(world, session):
    world.province.document_pattern = "{prefix}〔{year}〕{series}字第{n}号"
    world.city.document_prefix = "市援"
    session.commit()
    assert numbers.number_example(world.city) == "市援〔2026〕受字第5号"
    assert numbers.pattern_of(world.other_province) == numbers.DEFAULT_PATTERN
    for bad in ("{prefix}{series}{n}号", "{prefix}{series}{year}{n}{n}", "{prefix}{series}{year}{n}{x}", "{prefix{n}"):
        with pytest.raises(ServiceError):
            numbers.check_pattern(bad)
    assert numbers.check_pattern(" {prefix}{series}〔{year}〕{n}号 ") == numbers.DEFAULT_PATTERN


def test_codes_are_long_random_readable_and_read_leniently():
    codes = {numbers.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 16 and set(c) <= set(numbers.CODE_ALPHABET) for c in codes)
    assert not set("01OI") & set(numbers.CODE_ALPHABET)
    code = next(iter(codes))
    grouped = numbers.grouped(code)
    assert len(grouped.split("-")) == 4
    assert numbers.normalise_code(grouped.lower()) == code
    assert numbers.normalise_code(" ".join(grouped.split("-"))) == code
    for bad in (None, "", code[:-1], code + "2", code[:-1] + "0", "x" * 100):
        assert numbers.normalise_code(bad) is None


def test_an_administrator_edits_the_particulars(world, login, session):
    admin = login(world.province_admin)
    url = f"/admin/centres/{world.city.id}/edit"
    form = {
        "name_zh": world.city.name_zh,
        "name_en": world.city.name_en,
        "level": world.city.level.value,
        "parent_id": str(world.city.parent_id),
        "is_active": "y",
        "address": "深圳市福田区深南大道6008号",
        "phone": "0755-83070000",
        "contact_person": "刘海涛",
        "document_prefix": "深知援",
        "document_pattern": "{prefix}{series}〔{year}〕{n}号",
    }
    bad = post_form(admin, url, {**form, "document_pattern": "{prefix}{series}{n}"})
    assert bad.status_code == 422 and "{year}" in bad.get_data(as_text=True)
    session.expire_all()
    assert world.city.contact_person == ""  # nothing changed
    assert post_form(admin, url, form).status_code == 302
    session.expire_all()
    assert (world.city.contact_person, world.city.document_prefix) == ("刘海涛", "深知援")
    page = admin.get(url).get_data(as_text=True)
    assert "深知援受〔2026〕5号" in page


# ---- at once: real threads on a database of their own -------------------------------------------------

THREADS = 8


@pytest.mark.e2e
def test_documents_issued_at_once_take_distinct_gapless_numbers(tmp_path_factory, app):
    from app.centres.models import Centre, CentreLevel

    with own_database(tmp_path_factory, app, "docnumbers") as race:
        with race.app_context():
            centre = Centre(code="RACE", name_zh="并发中心", name_en="Race", level=CentreLevel.PROVINCIAL, path="/")
            db.session.add(centre)
            db.session.flush()
            centre.assign_path()
            db.session.commit()
            centre_id = centre.id
        barrier = threading.Barrier(THREADS, timeout=60)

        def take(_):
            with race.app_context():
                try:
                    centre = db.session.get(Centre, centre_id)
                    db.session.commit()
                    barrier.wait()
                    number = numbers.next_number(centre, "受", 2026)
                    db.session.commit()
                    return number.sequence
                except Exception as exc:
                    db.session.rollback()
                    return f"error: {exc!r}"

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(take, range(THREADS)))
        assert sorted(results) == list(range(1, THREADS + 1)), results
