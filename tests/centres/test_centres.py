"""Centres: the tree, inherited settings, staff accounts, demo data and the CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.centres.models import Centre, CentreLevel, CentreSetting
from app.centres.settings import SETTINGS_BY_KEY, effective_settings
from tests.helpers import post_form


def test_settings_inherit_from_the_nearest_ancestor(world, session, app):
    session.add(CentreSetting(centre_id=world.province.id, key="decision_working_days", value=5))
    session.add(CentreSetting(centre_id=world.city.id, key="visits_per_month", value=2))
    session.commit()
    with app.app_context():
        county = effective_settings(world.county)
        assert county["decision_working_days"].value == 5
        assert county["decision_working_days"].inherited_from.id == world.province.id
        assert county["visits_per_month"].value == 2
        assert county["acknowledge_working_days"].value == 1 and county["acknowledge_working_days"].is_default
        sibling = effective_settings(world.sibling)
        assert sibling["visits_per_month"].value == 1  # the city's override does not reach its sibling
        assert effective_settings(world.other_province)["decision_working_days"].value == 3


def test_every_domain_default_is_present():
    expected = {
        "acknowledge_working_days": 1,
        "decision_working_days": 3,
        "feedback_working_days": 1,
        # What the notices promise (the centre's practice, printed on them).
        "acceptance_contact_working_days": 3,
        "objection_days": 15,
        # Fast mediation (DOMAIN.md): the respondent's 15 days, design 10 days, utility model and invention
        # a month, judicial confirmation within 30 days of the agreement.
        "mediation_reply_days": 15,
        "mediation_design_days": 10,
        "mediation_utility_model_months": 1,
        "judicial_confirmation_days": 30,
        "ruling_months": 3,
        "ruling_max_months": 5,
        "referral_transfer_working_days": 5,
        "referral_chase_days": 30,
        "visits_per_month": 1,
        "fund_support_percent": 50,
        "fund_cap_per_request_yuan": 500_000,
        "fund_annual_cap_yuan": 15_000_000,
        "fund_requests_per_year": 1,
        "annual_report_due_day": 31,
        "privacy_retention_years": 5,
    }
    assert {k: d.default for k, d in SETTINGS_BY_KEY.items()} == expected


def settings_form(**values):
    data = {key: "" for key in SETTINGS_BY_KEY}
    data.update({k: str(v) for k, v in values.items()})
    return data


def test_admin_sets_and_clears_a_setting(world, login, session):
    c = login(world.users["admin"])
    url = f"/admin/centres/{world.county.id}/settings"
    assert post_form(c, url, settings_form(decision_working_days=5)).status_code == 302
    session.expire_all()
    assert session.scalar(select(CentreSetting.value).where(CentreSetting.centre_id == world.county.id)) == 5
    assert post_form(c, url, settings_form()).status_code == 302
    session.expire_all()
    assert session.scalar(select(func.count(CentreSetting.id)).where(CentreSetting.centre_id == world.county.id)) == 0


@pytest.mark.parametrize("key", ["acknowledge_working_days", "decision_working_days", "feedback_working_days"])
@pytest.mark.parametrize("value", ["0", "-3", "abc", "1.5"])
def test_zero_negative_or_non_numeric_deadlines_are_refused(world, login, session, value, key):
    c = login(world.users["admin"])
    c.set_cookie("lang", "en")
    response = post_form(c, f"/admin/centres/{world.city.id}/settings", {**settings_form(), key: value})
    assert response.status_code == 422
    assert f'id="{key}-error"' in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count(CentreSetting.id))) == 0


def test_percent_above_100_is_refused(world, login):
    c = login(world.users["admin"])
    response = post_form(c, f"/admin/centres/{world.city.id}/settings", settings_form(fund_support_percent=120))
    assert response.status_code == 422


def centre_form(**overrides):
    data = {
        "code": "CAW",
        "name_zh": "城区工作站",
        "name_en": "City workstation",
        "level": "workstation",
        "parent_id": "",
        "region": "",
        "address": "",
        "phone": "",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_centre_below_their_own(world, login, session):
    c = login(world.users["admin"])
    response = post_form(c, "/admin/centres/new", centre_form(parent_id=str(world.city.id)))
    assert response.status_code == 302
    centre = session.execute(select(Centre).where(Centre.code == "CAW")).scalar_one()
    assert centre.path == f"{world.city.path}{centre.id}/"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"code": "ca w"}, "code"),
        ({"code": "CA"}, "code"),  # taken
        ({"level": "provincial"}, "level"),  # above its parent
        ({"level": "national"}, "level"),
        ({"parent_id": "SIBLING"}, "parent_id"),  # not a choice for this admin
        ({"name_zh": ""}, "name_zh"),
    ],
)
def test_bad_centres_are_refused(world, login, session, overrides, field):
    c = login(world.users["admin"])
    overrides = {k: (str(world.sibling.id) if v == "SIBLING" else v) for k, v in overrides.items()}
    before = session.scalar(select(func.count(Centre.id)))
    response = post_form(c, "/admin/centres/new", centre_form(**{"parent_id": str(world.city.id), **overrides}))
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count(Centre.id))) == before


def test_moving_a_centre_moves_its_subtree(world, make_centre, login, session):
    station = make_centre("CACW", parent=world.county, level=CentreLevel.WORKSTATION)
    c = login(world.province_admin)
    data = {
        "name_zh": world.county.name_zh,
        "name_en": world.county.name_en,
        "level": "county",
        "parent_id": str(world.sibling.id),
        "region": "",
        "address": "",
        "phone": "",
        "is_active": "y",
    }
    response = post_form(c, f"/admin/centres/{world.county.id}/edit", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    county = session.get(Centre, world.county.id)
    assert county.path == f"{world.sibling.path}{county.id}/"
    assert session.get(Centre, station.id).path == f"{county.path}{station.id}/"
    # The city's staff no longer see the county; the sibling's do.
    assert login(world.users["caseworker"]).get(f"/centres/{county.id}").status_code == 404
    assert login(world.sibling_caseworker).get(f"/centres/{county.id}").status_code == 200


def test_a_centre_cannot_move_below_itself(world, login, session):
    c = login(world.province_admin)
    data = {
        "name_zh": world.city.name_zh,
        "name_en": world.city.name_en,
        "level": "municipal",
        "parent_id": str(world.county.id),
        "region": "",
        "address": "",
        "phone": "",
        "is_active": "y",
    }
    response = post_form(c, f"/admin/centres/{world.city.id}/edit", data)
    assert response.status_code == 422
    session.expire_all()
    assert session.get(Centre, world.city.id).parent_id == world.province.id


def staff_form(**overrides):
    data = {
        "full_name": "新同事",
        "email": "new.colleague@city.cn",
        "phone": "",
        "role": "caseworker",
        "centre_id": "",
        "password": "Lantern-Kx9-bridge",
        "confirm": "Lantern-Kx9-bridge",
    }
    data.update(overrides)
    return data


def test_admin_creates_staff_in_scope_only(world, login, session):
    c = login(world.users["admin"])
    assert post_form(c, "/admin/users/new", staff_form(centre_id=str(world.county.id))).status_code == 302
    created = session.execute(select(User).where(User.email == "new.colleague@city.cn")).scalar_one()
    assert created.role is Role.CASEWORKER and created.centre_id == world.county.id
    response = post_form(c, "/admin/users/new", staff_form(email="x@sibling.cn", centre_id=str(world.sibling.id)))
    assert response.status_code == 422
    response = post_form(
        c, "/admin/users/new", staff_form(email="y@city.cn", role="applicant", centre_id=str(world.city.id))
    )
    assert response.status_code == 422
    response = post_form(c, "/admin/users/new", staff_form(email="caseworker@city.cn", centre_id=str(world.city.id)))
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)


def test_admin_cannot_deactivate_themselves(world, login, session):
    admin = world.users["admin"]
    c = login(admin)
    post_form(c, f"/admin/users/{admin.id}/deactivate", {}, token_url="/admin/users")
    session.expire_all()
    assert session.get(User, admin.id).is_active


def test_seed_demo_is_idempotent_and_has_every_role(app, session):
    from app.admin.demo import seed_demo

    with app.app_context():
        first = seed_demo()
        session.commit()
        second = seed_demo()
        session.commit()
    assert first["centres"] >= 6 and first["enterprises"] >= 4 and first["cases"] >= 8 and first["mediations"] == 3
    assert first["plans"] == 1 and first["referrals"] == 3 and first["visits"] >= 70
    assert second == {
        "centres": 0,
        "users": 0,
        "enterprises": 0,
        "agencies": 0,
        "cases": 0,
        "plans": 0,
        "mediations": 0,
        "referrals": 0,
        "fund_requests": 0,
        "visits": 0,
    }
    from app.cases.cli import verify_all_chains

    with app.app_context():
        problems, chains = verify_all_chains()
    assert problems == [] and chains >= 8
    roles = set(session.execute(select(User.role)).scalars())
    assert roles == set(Role)
    levels = {c.level for c in session.execute(select(Centre)).scalars()}
    assert {CentreLevel.PROVINCIAL, CentreLevel.MUNICIPAL, CentreLevel.COUNTY, CentreLevel.WORKSTATION} <= levels


def test_create_user_cli(app, world, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Boss@City.cn",
            "--name",
            "新负责人",
            "--role",
            "supervisor",
            "--centre",
            "ca",
            "--password",
            "Lantern-Kx9-bridge",
        ]
    )
    assert result.exit_code == 0, result.output
    user = session.execute(select(User).where(User.email == "boss@city.cn")).scalar_one()
    assert user.role is Role.SUPERVISOR and user.centre_id == world.city.id
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "weak@city.cn",
            "--name",
            "x",
            "--role",
            "caseworker",
            "--centre",
            "CA",
            "--password",
            "12345678",
        ]
    )
    assert result.exit_code != 0
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "nowhere@city.cn",
            "--name",
            "x",
            "--role",
            "caseworker",
            "--centre",
            "NOPE",
            "--password",
            "Lantern-Kx9-bridge",
        ]
    )
    assert result.exit_code != 0 and "NOPE" in result.output
    result = runner.invoke(
        args=["create-user", "--email", "prompted@city.cn", "--name", "x", "--role", "mediator", "--centre", "CA"],
        input="Lantern-Kx9-bridge\nLantern-Kx9-bridge\n",
    )
    assert result.exit_code == 0, result.output


def test_settings_page_shows_what_would_be_inherited(world, login, session):
    session.add(CentreSetting(centre_id=world.province.id, key="decision_working_days", value=5))
    session.add(CentreSetting(centre_id=world.city.id, key="decision_working_days", value=7))
    session.commit()
    c = login(world.province_admin)
    c.set_cookie("lang", "en")
    html = c.get(f"/admin/centres/{world.city.id}/settings").get_data(as_text=True)
    row = html.split('for="decision_working_days"', 1)[1].split("</tr>", 1)[0]
    assert 'value="7"' in row  # the city's own value in the input
    assert "5 — PA centre" in row  # what applies if the city clears it: the province's value
    row = html.split('for="visits_per_month"', 1)[1].split("</tr>", 1)[0]
    assert "1 — Default" in row


def test_every_demo_account_logs_in_and_sees_its_home(app, session):
    from app.admin.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo

    with app.app_context():
        seed_demo()
        session.commit()
    for role, email in DEMO_ACCOUNTS:
        client = app.test_client()
        response = post_form(client, "/login", {"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (role, response.get_data(as_text=True)[:300])
        user = session.execute(select(User).where(User.email == email)).scalar_one()
        assert user.role.value == role
        home = client.get("/").get_data(as_text=True)
        assert user.name in home and 'lang="zh-CN"' in home


# ---- the collapsed tree (/centres) -------------------------------------------------------------------------


def _centre_rows(html: str) -> set[str]:
    import re

    return set(re.findall(r'<tr id="centre-(\d+)"', html))


def test_the_tree_shows_the_viewers_centre_and_its_children_only(world, login, make_centre):
    deep = make_centre("CACW", parent=world.county, level=CentreLevel.WORKSTATION)
    html = login(world.province_admin).get("/centres").get_data(as_text=True)
    # The province and the two cities directly below it; the county and its workstation stay folded.
    assert _centre_rows(html) == {str(world.province.id), str(world.city.id), str(world.sibling.id)}
    assert f"/centres?under={world.city.id}" in html  # the city has centres below it: it can be opened
    assert f"/centres?under={world.sibling.id}" not in html  # the sibling has none
    assert str(deep.id) not in _centre_rows(html)


def test_a_branch_opens_below_a_child_with_its_breadcrumb(world, login, make_centre):
    deep = make_centre("CACW", parent=world.county, level=CentreLevel.WORKSTATION)
    client = login(world.province_admin)
    html = client.get(f"/centres?under={world.city.id}").get_data(as_text=True)
    assert _centre_rows(html) == {str(world.city.id), str(world.county.id)}
    assert 'class="breadcrumb"' in html and world.province.name_zh in html
    html = client.get(f"/centres?under={world.county.id}").get_data(as_text=True)
    assert _centre_rows(html) == {str(world.county.id), str(deep.id)}


def test_a_search_finds_a_centre_deep_in_the_tree(world, login, make_centre):
    deep = make_centre("CACW", parent=world.county, level=CentreLevel.WORKSTATION, name_zh="深处工作站")
    client = login(world.province_admin)
    html = client.get("/centres", query_string={"q": "深处"}).get_data(as_text=True)
    assert f"/centres/{deep.id}" in html
    assert f"/centres?under={world.county.id}" in html  # where it stands: its parent's branch
    html = client.get("/centres", query_string={"q": "cacw"}).get_data(as_text=True)  # by code, any case
    assert f"/centres/{deep.id}" in html


def test_a_search_and_a_branch_keep_to_the_viewers_subtree(world, login, make_centre):
    outside = make_centre("PBW", parent=world.other_province, level=CentreLevel.MUNICIPAL, name_zh="外省深处中心")
    client = login(world.users["admin"])  # at the city
    assert client.get(f"/centres?under={world.sibling.id}").status_code == 404
    assert client.get(f"/centres?under={world.province.id}").status_code == 404  # above the viewer
    assert client.get(f"/centres?under={outside.id}").status_code == 404
    html = client.get("/centres", query_string={"q": "深处"}).get_data(as_text=True)
    assert f"/centres/{outside.id}" not in html
    html = client.get("/centres", query_string={"q": "CB"}).get_data(as_text=True)
    assert f"/centres/{world.sibling.id}" not in html
    assert login(world.province_admin).get(f"/centres?under={world.other_province.id}").status_code == 404


def test_the_centres_below_count_the_whole_branch(world, login, make_centre):
    make_centre("CACW", parent=world.county, level=CentreLevel.WORKSTATION)
    html = login(world.province_admin).get("/centres").get_data(as_text=True)
    # The city row: two centres below it (the county and its workstation), linked to the city's branch.
    assert f'<a href="/centres?under={world.city.id}" title="{world.city.name_zh}">2</a>' in html


def test_a_centre_page_links_to_its_branch(world, login):
    client = login(world.province_admin)
    assert f'href="/centres?under={world.city.id}"' in client.get(f"/centres/{world.city.id}").get_data(as_text=True)


@pytest.mark.parametrize("query", [{"q": "C"}, {}])
def test_each_value_on_a_phone_card_is_labelled_with_its_column(world, login, query):
    """On a phone the rows are cards and each value carries its column's name (``data-label``): the
    search results' and the tree's labels follow their heads, the first column (the centre) unlabelled."""
    import re

    client = login(world.province_admin)
    client.set_cookie("lang", "en")
    html = client.get("/centres", query_string=query).get_data(as_text=True)
    table = html.split('id="centre-list"', 1)[1].split("</table>", 1)[0]
    heads = re.findall(r'<th scope="col">([^<]*)</th>', table)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    assert rows
    for row in rows:
        cells = re.findall(r"<td([^>]*)>", row)
        labels = [re.search(r'data-label="([^"]*)"', c) for c in cells]
        assert [m.group(1) if m else None for m in labels] == [None, *heads[1:]], row
