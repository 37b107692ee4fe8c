"""The pages: the case page's panel of the respondent's other cases (shown to staff when there are
some), and the ranking of respondents (caseworkers and supervisors) with its period filter."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.cases.models import Case
from app.core.db import utcnow
from tests.helpers import statements_for, valid_credit_code
from tests.respondents.conftest import ACME

PANEL = 'id="other-cases-panel"'


def _page(client, case) -> str:
    response = client.get(f"/cases/{case.number}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_panel_shows_the_other_cases_to_staff(world, login, against):
    code = valid_credit_code()
    case = against((ACME, code))
    same = against(("深圳市某某科技有限责任公司", code), state="declined")
    hidden = against(ACME, who="sibling")
    client = login(world.users["caseworker"])
    client.set_cookie("lang", "en")
    html = _page(client, case)
    assert PANEL in html
    panel = html.split(PANEL, 1)[1].split("</section>", 1)[0]
    assert f'href="/cases/{same.number}"' in panel and hidden.number not in panel
    assert "深圳市某某科技有限责任公司" in panel
    assert "Same credit code" in panel and "Declined" in panel
    # the other case's page shows this one
    assert case.number in _page(login(world.users["supervisor"]), same).split(PANEL, 1)[1]


def test_the_panel_is_hidden_without_other_cases_and_from_applicants(world, login, against):
    alone = against("独家有限公司")
    assert PANEL not in _page(login(world.users["caseworker"]), alone)
    case = against(ACME)
    against(ACME)
    assert PANEL in _page(login(world.users["caseworker"]), case)
    assert PANEL not in _page(login(world.applicant), case)


def test_a_long_list_links_to_the_case_list(world, login, against, monkeypatch):
    from app.respondents import views

    monkeypatch.setattr(views, "PANEL_LIMIT", 2)
    case = against(ACME)
    others = [against("深圳市某某科技有限责任公司") for _ in range(3)]
    client = login(world.users["caseworker"])
    panel = _page(client, case).split(PANEL, 1)[1].split("</section>", 1)[0]
    assert panel.count('id="other-case-') == 2
    link = re.search(r'href="([^"]+)" id="other-cases-more"', panel).group(1).replace("&amp;", "&")
    listed = client.get(link).get_data(as_text=True)
    assert all(f'href="/cases/{c.number}"' in listed for c in [case, *others])


def test_the_case_page_reads_a_fixed_number_of_statements_for_the_panel(world, login, against, count_statements):
    case = against(ACME)
    against(ACME)
    client = login(world.users["caseworker"])
    few = statements_for(client, count_statements, f"/cases/{case.number}")
    for _ in range(5):
        against(ACME)
    assert statements_for(client, count_statements, f"/cases/{case.number}") == few


# ---- the ranking --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status",
    [
        ("caseworker", 200),
        ("supervisor", 200),
        ("mediator", 403),
        ("fund_committee", 403),
        ("admin", 403),
        ("applicant", 403),
    ],
)
def test_who_may_see_the_ranking(world, login, role, status):
    assert login(world.users[role]).get("/respondents").status_code == status


def test_anonymous_visitors_log_in_first(client):
    assert client.get("/respondents").status_code == 302


def test_the_ranking_page(world, login, against):
    code = valid_credit_code()
    for _ in range(3):
        against((ACME, code))
    against("乙贸易有限公司")
    against("丙有限公司", who="sibling")
    client = login(world.users["caseworker"])
    html = client.get("/respondents").get_data(as_text=True)
    table = html.split('id="respondent-ranking"', 1)[1]
    assert table.index(ACME) < table.index("乙贸易有限公司") and "丙有限公司" not in table
    assert code in table
    # the row links to the case list searching for the respondent: it lists its three cases
    href = re.search(r'<a href="([^"]+)">' + ACME, table).group(1).replace("&amp;", "&")
    listed = client.get(href).get_data(as_text=True)
    assert listed.count("乙贸易") == 0 and len(set(re.findall(r'href="/cases/(CA-\d{4}-\d{5})"', listed))) == 3


def test_the_period_filter(world, login, against, session):
    old = against("旧公司")
    against("新公司")
    session.execute(update(Case).where(Case.id == old.id).values(created_at=utcnow() - timedelta(days=400)))
    session.commit()
    client = login(world.users["supervisor"])

    def names(query):
        response = client.get("/respondents" + query)
        assert response.status_code == 200, query
        return {n for n in ("旧公司", "新公司") if n in response.get_data(as_text=True).split("respondent-ranking")[1]}

    assert names("?period=all") == {"旧公司", "新公司"}
    assert names("") == names("?period=12m") == {"新公司"}  # the last 12 months unless asked otherwise
    day = (utcnow() - timedelta(days=400)).date()
    assert names(f"?period=custom&date_from={day - timedelta(days=1)}&date_to={day + timedelta(days=1)}") == {"旧公司"}
    assert names(f"?period=custom&date_to={day + timedelta(days=1)}") == {"旧公司"}
    # the link of a row keeps the period
    html = client.get("/respondents?period=12m").get_data(as_text=True)
    assert re.search(r'href="/cases\?q=[^"]*date_field=created[^"]*date_from=', html.replace("&amp;", "&"))


@pytest.mark.parametrize(
    "query",
    [
        "?period=bogus",
        "?period=custom",
        "?period=custom&date_from=2026-05-01&date_to=2026-04-01",
        "?period=custom&date_from=not-a-date",
        "?period=custom&date_from=0001-01-01",
    ],
)
def test_a_bad_period_is_refused_with_its_reason(world, login, query):
    response = login(world.users["caseworker"]).get("/respondents" + query)
    assert response.status_code == 422
    assert 'class="invalid-feedback"' in response.get_data(as_text=True)


def test_the_navigation_link(world, login):
    for role in ("caseworker", "supervisor"):
        assert 'href="/respondents"' in login(world.users[role]).get("/").get_data(as_text=True)
    for role in ("mediator", "applicant", "admin"):
        assert 'href="/respondents"' not in login(world.users[role]).get("/").get_data(as_text=True)


def test_the_counts_may_be_a_minute_old_say_so_and_stay_with_their_subtree(app, world, login, against, monkeypatch):
    from app.core import recent

    monkeypatch.setitem(app.config, "REPORT_FIGURES_SECONDS", 60)
    recent.forget()
    against("乙贸易有限公司")
    client = login(world.users["caseworker"])
    client.set_cookie("lang", "en")
    first = client.get("/respondents").get_data(as_text=True)
    assert "乙贸易有限公司" in first and 'id="ranking-counted-at"' not in first  # counted for this request
    against("丙有限公司")  # filed within the minute: not counted yet, and the page says how old its counts are
    again = client.get("/respondents").get_data(as_text=True)
    assert "丙有限公司" not in again and "乙贸易有限公司" in again
    assert 'id="ranking-counted-at"' in again and "Counts as of" in again
    # Another subtree's counts are its own, whoever asked first.
    sibling = login(world.sibling_caseworker).get("/respondents").get_data(as_text=True)
    assert "乙贸易有限公司" not in sibling
    # A minute later they are counted again.
    later_clock = time.monotonic() + 61
    monkeypatch.setattr(recent.time, "monotonic", lambda: later_clock)
    later = client.get("/respondents").get_data(as_text=True)
    assert "丙有限公司" in later and 'id="ranking-counted-at"' not in later
    recent.forget()
