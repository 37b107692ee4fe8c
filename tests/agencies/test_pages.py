"""The administrators' pages of the directory: who may reach them, the list and its filters, adding and
editing an agency with every bad input refused beside its field, and deactivating and reactivating one."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.agencies.models import Agency
from tests.helpers import csrf_token, post_form


def _form(centre, **fields):
    data = {
        "centre_id": str(centre.id),
        "name": "乙市版权局",
        "kind": "copyright",
        "rights": ["copyright"],
        "address": "乙市文化路8号",
        "email": "Banquan@BQJ.example.gov.cn",
        "phone": "0000-7654321",
        "contact": "版权科 李某",
    }
    data.update(fields)
    return data


def _count(session):
    return session.execute(select(func.count(Agency.id))).scalar_one()


def test_only_administrators_reach_the_pages(directory, regions, login):
    for role in ("caseworker", "supervisor", "mediator", "fund_committee", "applicant"):
        client = login(regions.users[role])
        assert client.get("/admin/agencies").status_code == 403, role
        assert client.get(f"/admin/agencies/{directory.city_market.id}/edit").status_code == 403, role
        assert client.get("/admin/agencies/import").status_code == 403, role
    admin = login(regions.users["admin"])
    assert admin.get("/admin/agencies").status_code == 200
    assert 'href="/admin/agencies"' in admin.get("/").get_data(as_text=True)  # the navigation's link
    assert 'href="/admin/agencies"' not in login(regions.users["supervisor"]).get("/").get_data(as_text=True)


def test_an_administrator_manages_their_regions_only(directory, regions, login, session):
    city_admin = login(regions.users["admin"])
    assert city_admin.get(f"/admin/agencies/{directory.county_market.id}/edit").status_code == 200
    for agency in (directory.province_market, directory.sibling_market, directory.far_market):
        assert city_admin.get(f"/admin/agencies/{agency.id}/edit").status_code == 404
    sibling_admin = login(regions.sibling_admin)
    assert sibling_admin.get(f"/admin/agencies/{directory.city_market.id}/edit").status_code == 404
    response = post_form(
        sibling_admin,
        f"/admin/agencies/{directory.city_market.id}/edit",
        _form(regions.sibling, name="改名"),
        token_url="/admin/agencies",
    )
    assert response.status_code == 404
    response = post_form(
        sibling_admin, f"/admin/agencies/{directory.city_market.id}/deactivate", {}, token_url="/admin/agencies"
    )
    assert response.status_code == 404
    session.refresh(directory.city_market)
    assert directory.city_market.name == "乙市市场监督管理局" and directory.city_market.is_active
    # the province's administrator manages the city's too
    province_admin = login(regions.province_admin)
    assert province_admin.get(f"/admin/agencies/{directory.city_market.id}/edit").status_code == 200


def test_the_list_shows_rights_as_labels_and_filters(directory, regions, login):
    client = login(regions.province_admin)
    page = client.get("/admin/agencies").get_data(as_text=True)
    assert "乙市市场监督管理局" in page and "丁市市场监督管理局" in page and "戊省" not in page
    row = re.search(rf'<tr id="agency-{directory.city_patent.id}">(.*?)</tr>', page, re.S).group(1)
    assert "外观设计专利" in row and "design" not in row  # labels, never values
    assert "乙市原工商局" in page  # deactivated ones too, to reactivate them
    page = client.get(f"/admin/agencies?centre={regions.city.id}&right=copyright").get_data(as_text=True)
    assert "乙市公安局" in page and "乙市市场监督管理局" not in page and "甲省海关" not in page
    page = client.get("/admin/agencies?kind=customs").get_data(as_text=True)
    assert "甲省海关" in page and "乙市公安局" not in page
    page = client.get("/admin/agencies?status=inactive").get_data(as_text=True)
    assert "乙市原工商局" in page and "乙市公安局" not in page
    # nonsense in the filters is ignored, never a crash
    for query in ("centre=abc", "kind=nope", "right=%00", "page=0", "page=99999999999", "status=x", "q=" + "x" * 500):
        assert client.get(f"/admin/agencies?{query}").status_code in (200, 400), query
    # the city's administrator lists their subtree only
    page = login(regions.users["admin"]).get("/admin/agencies").get_data(as_text=True)
    assert "乙市市场监督管理局" in page and "甲省市场监督管理局" not in page and "丁市" not in page


def test_adding_an_agency(directory, regions, login, session):
    client = login(regions.users["admin"])
    response = post_form(client, "/admin/agencies/new", _form(regions.city))
    assert response.status_code == 302
    agency = session.execute(select(Agency).where(Agency.name == "乙市版权局")).scalar_one()
    assert agency.centre_id == regions.city.id and agency.rights == ["copyright"]
    assert agency.email == "banquan@bqj.example.gov.cn" and agency.is_active
    assert "乙市版权局" in client.get(response.headers["Location"]).get_data(as_text=True)


def _in_english(user, session):
    user.locale = "en"
    session.commit()
    return user


def test_bad_input_is_refused_beside_its_field_and_nothing_saved(directory, regions, login, session):
    client = login(_in_english(regions.users["admin"], session))
    before = _count(session)
    cases = [
        ({"email": "not-an-address"}, "Enter a valid e-mail address."),
        ({"rights": []}, "Choose at least one type of right the agency takes."),
        ({"name": "  "}, "This field is required."),
        ({"name": "名" * 201}, "Use at most 200 characters."),
        ({"kind": "police"}, None),
        ({"rights": ["copyright", "bogus"]}, None),
    ]
    for change, words in cases:
        response = post_form(client, "/admin/agencies/new", _form(regions.city, **change))
        assert response.status_code == 422, change
        if words:
            assert words in response.get_data(as_text=True), change
    # a name its region has already: the friendly message, not a database error
    response = post_form(client, "/admin/agencies/new", _form(regions.city, name="乙市公安局"))
    assert response.status_code == 422
    assert "already has an agency of this name" in response.get_data(as_text=True)
    # a region outside the administrator's: not a choice
    response = post_form(client, "/admin/agencies/new", _form(regions.sibling))
    assert response.status_code == 422
    assert _count(session) == before
    # the same name in another region is fine
    assert post_form(client, "/admin/agencies/new", _form(regions.county, name="乙市公安局")).status_code == 302


def test_editing_and_moving_an_agency(directory, regions, login, session):
    client = login(_in_english(regions.users["admin"], session))
    agency = directory.city_police
    page = client.get(f"/admin/agencies/{agency.id}/edit").get_data(as_text=True)
    assert 'value="乙市公安局"' in page and re.search(r'<input checked[^>]*value="trademark"', page)
    response = post_form(
        client,
        f"/admin/agencies/{agency.id}/edit",
        _form(regions.county, name="丙县公安局", kind="public_security", rights=["trademark", "copyright"]),
    )
    assert response.status_code == 302
    session.refresh(agency)
    assert (agency.centre_id, agency.name, agency.rights) == (
        regions.county.id,
        "丙县公安局",
        ["trademark", "copyright"],
    )
    # renaming onto another agency of the region is refused
    response = post_form(client, f"/admin/agencies/{agency.id}/edit", _form(regions.county, name="丙县市场监督管理局"))
    assert response.status_code == 422 and "already has an agency of this name" in response.get_data(as_text=True)


def test_deactivating_and_reactivating(directory, regions, login, session):
    client = login(regions.users["admin"])
    agency = directory.city_market
    token = csrf_token(client, "/admin/agencies")
    response = client.post(
        f"/admin/agencies/{agency.id}/deactivate",
        data={"csrf_token": token},
        headers={"Referer": "http://localhost/admin/agencies?kind=market_regulation"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("?kind=market_regulation")
    session.refresh(agency)
    assert not agency.is_active
    # no longer offered
    from app.agencies.queries import competent_agencies

    assert agency not in competent_agencies(regions.city, "trademark")
    response = client.post(
        f"/admin/agencies/{agency.id}/activate",
        data={"csrf_token": token},
        headers={"Referer": "https://evil.example/"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/agencies")
    session.refresh(agency)
    assert agency.is_active
    # without the form's token: refused
    assert client.post(f"/admin/agencies/{agency.id}/deactivate").status_code == 400


def test_the_pages_read_in_english_too(directory, regions, login, session):
    client = login(_in_english(regions.users["admin"], session))
    page = client.get("/admin/agencies").get_data(as_text=True)
    assert "Enforcement agencies" in page and "Design patent" in page
    response = post_form(client, "/admin/agencies/new", _form(regions.city, email="nope"))
    assert "Enter a valid e-mail address." in response.get_data(as_text=True)


def test_a_name_taken_meanwhile_is_refused_kindly(directory, regions, login, session, monkeypatch):
    """Another administrator saved the same name between the check and the write: the database's unique
    key refuses it, and the page says so (nothing saved, no error page)."""
    from app.agencies import services

    monkeypatch.setattr(services, "name_taken", lambda *a, **k: False)
    client = login(_in_english(regions.users["admin"], session))
    before = _count(session)
    response = post_form(client, "/admin/agencies/new", _form(regions.city, name="乙市公安局"))
    assert response.status_code == 422 and "already has an agency of this name" in response.get_data(as_text=True)
    agency = directory.city_police
    response = post_form(client, f"/admin/agencies/{agency.id}/edit", _form(regions.city, name="乙市知识产权局"))
    assert response.status_code == 422 and "already has an agency of this name" in response.get_data(as_text=True)
    session.expire_all()
    assert _count(session) == before and session.get(Agency, agency.id).name == "乙市公安局"


def _listed(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="agency-(\d+)">', page)]


def test_the_list_continues_page_after_page(directory, regions, login, monkeypatch):
    from app.agencies import views

    client = login(regions.province_admin)
    everything = _listed(client.get("/admin/agencies").get_data(as_text=True))
    assert len(everything) == 9  # the province's, the city's, the county's and the sibling's
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    seen, url, pages = [], "/admin/agencies", 0
    while url:
        page = client.get(url).get_data(as_text=True)
        pages += 1
        assert len(_listed(page)) <= 4
        seen += _listed(page)
        assert ('id="agencies-first-page"' in page) == (pages > 1)
        found = re.search(r'href="(/admin/agencies\?after=\d+[^"]*)"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == everything and pages == 3  # the same order, nothing twice, nothing left out
    # filters carry over to the next page
    page = client.get("/admin/agencies?status=active").get_data(as_text=True)
    assert re.search(r'href="/admin/agencies\?after=\d+[^"]*status=active', page)
    # a cursor outside the administrator's regions (or unknown) is ignored: the first page
    first = _listed(client.get("/admin/agencies").get_data(as_text=True))
    assert _listed(client.get(f"/admin/agencies?after={directory.far_market.id}").get_data(as_text=True)) == first
    assert _listed(client.get("/admin/agencies?after=999999").get_data(as_text=True)) == first


def test_the_region_filter_takes_the_regions_below_and_offers_a_level_at_a_time(directory, regions, login):
    client = login(regions.province_admin)
    page = client.get(f"/admin/agencies?centre={regions.city.id}").get_data(as_text=True)
    assert set(_listed(page)) == {
        directory.city_market.id,
        directory.city_patent.id,
        directory.city_police.id,
        directory.city_old.id,
        directory.county_market.id,  # the county stands below the city
    }
    choices = re.search(r'<select[^>]*id="f-centre".*?</select>', page, re.S).group(0)
    for centre in (regions.province, regions.city, regions.county):  # the line down and the level below
        assert f'value="{centre.id}"' in choices
    assert f'value="{regions.sibling.id}"' not in choices  # beside the chosen one: back up a level
    choices = re.search(
        r'<select[^>]*id="f-centre".*?</select>', client.get("/admin/agencies").get_data(as_text=True), re.S
    ).group(0)
    assert f'value="{regions.city.id}"' in choices and f'value="{regions.sibling.id}"' in choices
    assert f'value="{regions.county.id}"' not in choices  # two levels down: reached through the city
    # a region outside the administrator's is not a filter at all
    page = login(regions.users["admin"]).get(f"/admin/agencies?centre={regions.sibling.id}").get_data(as_text=True)
    assert directory.sibling_market.name not in page
