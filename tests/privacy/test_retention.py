"""Retention of complainants' personal data: the centre setting (never below the legal minimum) and
``flask privacy-anonymise``, which anonymises only the cases past their centre's period, keeps the
audit chains verifiable and the report figures unchanged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.cases import services
from app.cases.models import Case, CaseEvent
from app.centres.models import CentreSetting
from app.centres.services import save_settings
from app.core.errors import ServiceError
from app.core.workdays import china_day
from app.privacy import retention
from tests.centres.test_centres import settings_form
from tests.helpers import post_form

KEY = retention.SETTING
NAME, PHONE, CALLER, CALLER_PHONE = "张三丰", "13800138000", "李四光", "0755-88886666"


# ---- the setting --------------------------------------------------------------------------------


@pytest.mark.parametrize("value, names", [("2", "3"), ("0", "3"), ("31", "30")])
def test_a_period_below_the_legal_minimum_or_absurd_is_refused(world, login, session, value, names):
    c = login(world.users["admin"])
    c.set_cookie("lang", "en")
    response = post_form(c, f"/admin/centres/{world.city.id}/settings", settings_form(**{KEY: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split(f'id="{KEY}-error">', 1)[1].split("</div>", 1)[0]
    assert names in error
    if value != "31":
        assert "Civil Code (art. 188)" in error  # the rule it breaks, not only a range
    session.expire_all()
    assert session.scalar(select(func.count(CentreSetting.id))) == 0
    with pytest.raises(ServiceError):  # the service refuses it too (the API or a script)
        save_settings(world.users["admin"], world.city, {KEY: int(value)})


def test_the_period_is_inherited_and_defaults_to_the_installation(world, login, session, app, monkeypatch):
    c = login(world.province_admin)
    assert post_form(c, f"/admin/centres/{world.province.id}/settings", settings_form(**{KEY: 8})).status_code == 302
    save_settings(world.users["admin"], world.county, {KEY: 3})
    session.commit()
    monkeypatch.setitem(app.config, "PRIVACY_RETENTION_YEARS", 6)
    with app.app_context():  # the installation's default is the app's config
        years = retention.retention_by_centre()
        assert (years[world.province.id], years[world.city.id], years[world.county.id]) == (8, 8, 3)
        assert years[world.other_province.id] == 6
        monkeypatch.setitem(app.config, "PRIVACY_RETENTION_YEARS", 1)  # an installation cannot go below the law
        assert retention.retention_by_centre()[world.other_province.id] == 3


# ---- anonymisation ------------------------------------------------------------------------------


def _consultation(caseworker, enterprise=None, complainant=None, call=None, answer=True):
    case = services.create_case(
        caseworker,
        enterprise=enterprise,
        kind="consultation",
        channel="hotline",
        title="咨询专利维权途径",
        help_wanted="请问如何维权",
        complainant=complainant,
        call=call,
    )
    if answer:
        services.transition(case, "answer", caseworker, comment="已电话答复")
    return case


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["privacy-anonymise", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _figures(world, now):
    from app.reports.figures import as_dict, compute
    from app.reports.periods import Period

    figures = as_dict(compute(world.city, Period.of_month(china_day(now)), now=now))
    figures.pop("taken_at")
    return figures


def test_only_cases_past_the_period_are_anonymised_and_the_chains_still_verify(world, app, session, login):
    cw = world.users["caseworker"]
    person = _consultation(
        cw,
        complainant={"type": "individual", "name": NAME, "phone": PHONE},
        call={"caller_name": CALLER, "caller_phone": CALLER_PHONE, "ticket": "T2026001"},
    )
    firm_called = _consultation(cw, enterprise=world.enterprise, call={"caller_name": CALLER, "ticket": "T2026002"})
    firm_plain = _consultation(cw, enterprise=world.enterprise)
    still_open = _consultation(cw, complainant={"type": "individual", "name": NAME}, answer=False)
    session.commit()
    ended = person.closed_at
    ids = [c.id for c in (person, firm_called, firm_plain, still_open)]
    numbers = [c.number for c in (person, firm_called, firm_plain, still_open)]
    events_before = {
        cid: session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == cid)) for cid in ids
    }
    figures_before = _figures(world, ended + timedelta(hours=1))

    # N years minus a day: nothing is due yet (the period is the installation's 5 years).
    almost = retention.years_before(ended, -5) - timedelta(days=1)
    assert "0 cases anonymised." in _run(app, "--now", almost.isoformat())
    past = retention.years_before(ended, -5) + timedelta(days=1)
    dry = _run(app, "--dry-run", "--now", past.isoformat())
    assert numbers[0] in dry and numbers[1] in dry and "2 cases due" in dry
    assert numbers[2] not in dry and numbers[3] not in dry
    session.expire_all()
    assert session.get(Case, ids[0]).complainant_name == NAME  # the dry run changed nothing

    assert "2 cases anonymised." in _run(app, "--now", past.isoformat())
    session.expire_all()
    person, firm_called = session.get(Case, ids[0]), session.get(Case, ids[1])
    assert (person.complainant_name, person.complainant_phone, person.caller_name, person.caller_phone) == (
        retention.ANONYMISED_NAME,
        "",
        "",
        "",
    )
    assert person.anonymised_at is not None and person.call_ticket == "T2026001"
    assert NAME not in person.search_text and PHONE not in person.search_text and CALLER not in person.search_text
    assert firm_called.caller_name == "" and firm_called.enterprise_id == world.enterprise.id  # the firm stays
    last = session.execute(
        select(CaseEvent).where(CaseEvent.case_id == person.id).order_by(CaseEvent.seq.desc()).limit(1)
    ).scalar_one()
    assert last.action == "anonymised" and last.visibility == "internal"
    recorded = json.dumps(last.data, ensure_ascii=False) + last.comment
    assert NAME not in recorded and PHONE not in recorded and CALLER not in recorded
    for cid, before in events_before.items():  # one event for each anonymised case, none for the others
        after = session.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.case_id == cid))
        assert after == before + (cid in (person.id, firm_called.id))

    verify = app.test_cli_runner().invoke(args=["audit-verify"])
    assert verify.exit_code == 0, verify.output
    assert _figures(world, ended + timedelta(hours=1)) == figures_before
    assert "0 cases anonymised." in _run(app, "--now", past.isoformat())  # done once

    c = login(cw)
    c.set_cookie("lang", "en")
    html = c.get(f"/cases/{numbers[0]}").get_data(as_text=True)
    assert "Anonymised" in html and NAME not in html and PHONE not in html and CALLER not in html
    assert "Personal data anonymised" in html  # the event, worded on the staff timeline


def test_a_field_restored_behind_the_door_is_caught(world, app, session):
    cw = world.users["caseworker"]
    person = _consultation(cw, complainant={"type": "individual", "name": NAME, "phone": PHONE})
    session.commit()
    case_id, number, ended = person.id, person.number, person.closed_at
    _run(app, "--now", (retention.years_before(ended, -5) + timedelta(days=1)).isoformat())
    session.execute(Case.__table__.update().where(Case.id == case_id).values(complainant_phone=PHONE))
    session.commit()
    verify = app.test_cli_runner().invoke(args=["audit-verify"])
    assert verify.exit_code == 1 and number in verify.output
