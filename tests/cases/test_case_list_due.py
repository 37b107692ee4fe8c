"""The case list by deadline: the overdue and due-soon filters, the "due first" order with keyset
pages (the cursor carries the due time or its absence), the badges in the rows, the CSV column,
and a bounded number of statements."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.auth.models import Role
from app.core.workdays import CHINA
from tests.cases.test_case_list import names, read_csv, shown
from tests.helpers import statements_for

# The moment the list is asked at: a Tuesday afternoon in China.
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=CHINA).astimezone(UTC)
END_OF_TODAY = datetime(2026, 11, 24, 23, 59, 59, tzinfo=CHINA).astimezone(UTC)


@pytest.fixture
def frozen(monkeypatch):
    from app.cases import views_list

    monkeypatch.setattr(views_list, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def dated(world, make_case, session, frozen):
    """Cases with chosen next due times: late (two, tied), due tonight, due next week, none running."""
    due = {
        "late": END_OF_TODAY - timedelta(days=2),
        "late_tie": END_OF_TODAY - timedelta(days=2),
        "tonight": END_OF_TODAY,
        "next_week": END_OF_TODAY + timedelta(days=7),
        "none": None,
    }
    cases = {}
    for name, when in due.items():
        case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
        case.next_due_at = when
        cases[name] = case
    session.commit()
    return cases


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"late", "late_tie", "tonight", "next_week", "none"}),
        ("overdue=yes", {"late", "late_tie"}),
        ("overdue=soon", {"tonight"}),
        ("overdue=no", {"tonight", "next_week", "none"}),
        ("overdue=yes&state=submitted", set()),
    ],
)
def test_overdue_filter(dated, world, login, query, expected):
    client = login(world.users["caseworker"])
    assert names(dated, shown(client.get(f"/cases?{query}"))) == expected


def test_overdue_filter_refuses_other_values(dated, world, login):
    client = login(world.users["caseworker"])
    for value in ("maybe", "true", "1"):
        response = client.get(f"/cases?overdue={value}")
        assert response.status_code == 422 and not shown_or_empty(response)
        assert client.get(f"/cases/export.csv?overdue={value}").status_code == 422


def shown_or_empty(response):
    return re.findall(r'href="[^"]*/cases/([A-Z0-9]+-\d{4}-\d{5})"', response.get_data(as_text=True))


def test_due_first_order_and_badges(dated, world, login):
    client = login(world.users["caseworker"])
    client.set_cookie("lang", "en")
    response = client.get("/cases?sort=due")
    order = [names(dated, [n]).pop() for n in shown(response)]
    late = sorted(["late", "late_tie"], key=lambda n: dated[n].id)
    assert order == [*late, "tonight", "next_week", "none"]
    body = response.get_data(as_text=True)
    rows = {n: re.search(rf"{dated[n].number}</a></th>.*?</tr>", body, re.S).group(0) for n in dated}
    assert "Overdue" in rows["late"] and "Due soon" not in rows["late"]
    assert "Due soon" in rows["tonight"] and "Overdue" not in rows["tonight"]
    assert "Overdue" not in rows["next_week"] and "Due soon" not in rows["next_week"]
    assert "2026-11-24 23:59" in rows["tonight"]
    assert "next-due" in rows["tonight"] and "next-due" not in rows["none"]


@pytest.fixture
def many_dated(world, make_case, session, frozen):
    """23 cases: due times with many ties (end of a day), and 7 without a due time."""
    cases = []
    for i in range(23):
        case = make_case(world.applicant, world.enterprise, title=f"期限案件{i}")
        case.next_due_at = None if i % 3 == 0 else END_OF_TODAY + timedelta(days=(i * 7) % 5 - 2)
        cases.append(case)
    session.commit()
    return cases


def due_key(case):
    return (case.next_due_at is None, case.next_due_at or NOW, case.id)


@pytest.mark.parametrize("limit", [1, 4, 7, 50])
def test_due_first_keyset_pages_cover_every_case_once(many_dated, world, app, limit):
    from app.cases.queries import CaseFilters, case_list

    expected = [c.id for c in sorted(many_dated, key=due_key)]
    seen, cursor, pages = [], None, 0
    with app.test_request_context():
        while True:
            page = case_list(world.users["caseworker"], CaseFilters(), cursor=cursor, limit=limit, sort="due")
            seen += [c.id for c in page.cases]
            pages += 1
            if page.next_cursor is None:
                break
            assert re.fullmatch(r"d(\d+|-)\.\d+", page.next_cursor)
            cursor = page.next_cursor
            assert pages <= 23
    assert seen == expected
    assert pages == -(-23 // limit)


def test_due_first_pages_through_the_page_links_with_filters(many_dated, world, login, monkeypatch):
    from app.cases import views_list

    monkeypatch.setattr(views_list, "PAGE_SIZE", 4)
    client = login(world.users["caseworker"])
    url, seen, pages = "/cases?sort=due&overdue=no&q=期限", [], 0
    while url:
        response = client.get(url)
        seen += shown(response)
        pages += 1
        match = re.search(r'rel="next" href="([^"]+)"', response.get_data(as_text=True))
        url = html.unescape(match.group(1)) if match else None
        if url:
            assert "sort=due" in url and "overdue=no" in url and "cursor=d" in url
        assert pages <= 10
    kept = [c for c in many_dated if c.next_due_at is None or c.next_due_at >= NOW]
    assert seen == [c.number for c in sorted(kept, key=due_key)]
    assert pages == -(-len(kept) // 4)


def test_due_cursor_round_trip():
    from app.cases.queries import Cursor

    when = datetime(2026, 11, 24, 15, 59, 59, tzinfo=UTC)
    for cursor in (Cursor("due", None, 42, due_at=when), Cursor("due", None, 42)):
        text = cursor.encode()
        assert Cursor.decode(text, "due") == cursor
        assert Cursor.decode(text, "newest") is None  # made for another order
    assert Cursor("due", None, 7).encode() == "d-.7"
    newest = Cursor("newest", when, 42).encode()
    assert Cursor.decode(newest, "due") is None
    for bad in ("d.1", "d-.0", "dx.1", "d-1.1", "d" + "9" * 18 + ".1", "d-.99999999999", "d-", "d1"):
        assert Cursor.decode(bad, "due") is None, bad


@given(st.text(max_size=60))
@settings(max_examples=200)
def test_any_due_cursor_text_decodes_or_is_refused(text):
    from app.cases.queries import Cursor

    result = Cursor.decode(text, "due")
    assert result is None or (result.sort == "due" and 0 < result.id < 2**31)


def test_a_foreign_cursor_starts_the_due_order_again(many_dated, world, login, monkeypatch):
    from app.cases import views_list

    monkeypatch.setattr(views_list, "PAGE_SIZE", 5)
    client = login(world.users["caseworker"])
    first = shown(client.get("/cases?sort=due"))
    assert shown(client.get("/cases?sort=due&cursor=n1780000000000000.3")) == first
    assert shown(client.get("/cases?sort=due&cursor=garbage")) == first


def test_csv_has_the_next_due_time(dated, world, login):
    client = login(world.users["caseworker"])
    client.set_cookie("lang", "en")
    rows = read_csv(client.get("/cases/export.csv?sort=due"))
    header, body = rows[0], rows[1:]
    assert header[-1] == "Next due"
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert by_number[dated["tonight"].number]["Next due"] == "2026-11-24 23:59"
    assert by_number[dated["none"].number]["Next due"] == ""
    assert [row[0] for row in body][-1] == dated["none"].number
    overdue = read_csv(client.get("/cases/export.csv?overdue=yes"))
    assert {row[0] for row in overdue[1:]} == {dated["late"].number, dated["late_tie"].number}


def test_csv_in_due_order_streams_every_row_in_batches(many_dated, world, login, monkeypatch):
    from app.cases import views_list

    monkeypatch.setattr(views_list, "EXPORT_BATCH", 4)
    rows = read_csv(login(world.users["caseworker"]).get("/cases/export.csv?sort=due"))
    assert [row[0] for row in rows[1:]] == [c.number for c in sorted(many_dated, key=due_key)]


def test_due_order_runs_the_same_statements_for_few_and_many(
    world, login, make_case, make_user, make_enterprise, count_statements, session, frozen
):
    def add(n, start):
        for i in range(start, start + n):
            applicant = make_user(Role.APPLICANT)
            firm = make_enterprise(world.city, members=[applicant])
            case = make_case(applicant, firm, state="acknowledged", staff=make_user(Role.CASEWORKER, centre=world.city))
            case.next_due_at = None if i % 4 == 0 else END_OF_TODAY + timedelta(days=i % 6 - 3)
            session.commit()

    client = login(world.users["supervisor"])
    urls = ["/cases?sort=due", "/cases?sort=due&overdue=yes", "/cases/export.csv?sort=due&overdue=no"]
    add(5, 0)
    few = [statements_for(client, count_statements, url) for url in urls]
    add(30, 5)
    many = [statements_for(client, count_statements, url) for url in urls]
    assert many == few and max(few) <= 8, (few, many)
