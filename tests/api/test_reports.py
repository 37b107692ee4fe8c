"""The monthly report through the API (API.md "Reports"): the issued PDF (or a preview), its figures as
JSON, its workbook, and the list each counted figure counts; the scope and bad input.

The issue's "done when": the issued PDF's text holds figures equal to what the API's lists count for
the same month and centre.
"""

from __future__ import annotations

import io
import subprocess

import pytest

from app.reports import figures, monthly
from tests.api.conftest import error_of
from tests.reports import gen

MONTH = gen.MONTH.key


@pytest.fixture
def world(session, make_centre, make_user, make_enterprise):
    return gen.build(session, make_centre, make_user, make_enterprise, cases=120)


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_the_figures_as_json_are_the_query_layers(api, world, session):
    client = api(world.supervisor)
    r = client.get(f"/api/v1/reports/monthly?centre={world.province.code}&month={MONTH}&format=json")
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    body = r.get_json()
    report = figures.compute(world.province, gen.MONTH)
    assert body["preview"] is True and body["issued"] is None
    cases = body["current"]["cases"]
    for key in ("received", "accepted", "declined", "closed"):
        assert cases[key] == report.value(f"cases.{key}"), key
    assert cases["received"] > 0
    assert sum(cases["by_channel"].values()) == cases["received"]
    assert body["previous"]["cases"]["received"] == report.value("cases.received", figures.PREVIOUS)
    assert body["year_ago"]["cases"]["received"] == report.value("cases.received", figures.YEAR_AGO)
    assert body["current"]["visits"]["done"] == report.value("visits.done")
    rows = {row["code"]: row for row in body["by_centre"]}
    assert set(rows) == {world.province.code, world.cities[0].code, world.cities[1].code}
    assert sum(row["figures"]["cases"]["received"] for row in rows.values()) == cases["received"]


def test_the_issued_pdf_holds_what_the_lists_count(api, world, session, app):
    """Issue the month's report, then read its PDF's text: each key figure is the count of its list."""
    row = monthly.issue_month(world.province, gen.MONTH, now=gen.NOW + gen.timedelta(days=30))
    session.commit()
    client = api(world.supervisor, language="zh-CN")
    r = client.get(f"/api/v1/reports/monthly?centre={world.province.code}&month={MONTH}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["X-Report-Preview"] == "0"
    from app.cases.documents import read_document

    assert r.data == read_document(row.document)  # the issued bytes, not a new rendering
    text = pdf_text(r.data)
    assert row.document.number in text.replace(" ", "")
    body = client.get(f"/api/v1/reports/monthly?centre={world.province.code}&month={MONTH}&format=json").get_json()
    assert body["preview"] is False and body["issued"]["number"] == row.document.number
    for measure, label in (
        ("cases.received", "收到案件"),
        ("cases.accepted", "已受理"),
        ("cases.closed", "已结案"),
        ("visits.done", "已完成上门服务"),
    ):
        listed = client.get(
            f"/api/v1/reports/monthly/list?centre={world.province.code}&month={MONTH}&measure={measure}&limit=500"
        ).get_json()
        assert listed["count"] == len(listed["items"]) > 0, measure
        line = next(line for line in text.splitlines() if line.strip().startswith(label))
        assert line.split()[1] == str(listed["count"]), (measure, line)


def test_the_workbook(api, world):
    from openpyxl import load_workbook

    client = api(world.supervisor)
    r = client.get(f"/api/v1/reports/monthly?centre={world.province.code}&month={MONTH}&format=xlsx")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(r.data), data_only=True)
    assert len(book.sheetnames) >= 5


def test_a_list_pages_by_id(api, world):
    client = api(world.supervisor)
    url = f"/api/v1/reports/monthly/list?centre={world.province.code}&month={MONTH}&measure=cases.received"
    whole = client.get(url + "&limit=500").get_json()
    seen, after = [], None
    while True:
        page = client.get(url + "&limit=7" + (f"&after={after}" if after else "")).get_json()
        seen += [item["id"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == [item["id"] for item in whole["items"]] and len(seen) == whole["count"]
    group = client.get(url + f"&group={world.cities[1].code}").get_json()
    report = figures.compute(world.province, gen.MONTH)
    assert group["count"] == report.value("cases.received", group=world.cities[1].id)
    visits = client.get(url.replace("cases.received", "visits.done")).get_json()
    assert visits["subject"] == "visit" and all(item["visited_on"][:7] == MONTH for item in visits["items"])


def test_scope_roles_and_bad_input(api, world, make_user, session):
    from app.auth.models import Role

    client = api(world.supervisor)
    base = "/api/v1/reports/monthly"
    # Another province's report is not found, as a centre that does not exist.
    assert client.get(f"{base}?centre={world.other_province.code}&month={MONTH}&format=json").status_code == 404
    assert client.get(f"{base}?centre=NOPE&month={MONTH}&format=json").status_code == 404
    city_supervisor = make_user(role=Role.SUPERVISOR, centre=world.cities[0])
    assert api(city_supervisor).get(f"{base}?centre={world.province.code}&month={MONTH}").status_code == 404
    caseworker = make_user(role=Role.CASEWORKER, centre=world.province)
    r = api(caseworker).get(f"{base}?centre={world.province.code}&month={MONTH}")
    assert r.status_code == 403 and "supervisors" in error_of(r)["message"]
    for month, words in (("2026-13", "YYYY-MM"), ("26-01", "YYYY-MM"), ("2999-01", "not begun")):
        r = client.get(f"{base}?centre={world.province.code}&month={month}&format=json")
        assert r.status_code == 422, (month, r.status_code)
        assert words in str(error_of(r)), month
    r = client.get(f"{base}?centre={world.province.code}&format=json")
    assert r.status_code == 422
    r = client.get(f"{base}/list?centre={world.province.code}&month={MONTH}&measure=cases.nothing")
    assert r.status_code == 422 and "figure" in str(error_of(r))
    r = client.get(
        f"{base}/list?centre={world.province.code}&month={MONTH}&measure=cases.received&group={world.county.code}"
    )
    assert r.status_code == 404  # a row of the breakdown is the centre or a child, not a grandchild
    zh = api(world.supervisor, language="zh-CN").get(f"{base}?centre={world.province.code}&month=2026-13")
    assert "月份" in error_of(zh)["message"] or "月份" in str(error_of(zh)["details"])
