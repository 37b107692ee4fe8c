"""What the case page reads: each thing once, and nothing it does not show.

At national scale each statement costs about a millisecond whatever it reads (planning, the round
trip, building the objects), so the page's statements are counted here, each for what it is."""

import re

from app.cases import services


def _page(client, case, count_statements):
    with count_statements() as statements:
        response = client.get(f"/cases/{case.number}")
    assert response.status_code == 200
    return response.get_data(as_text=True), statements


def _reading(statements, pattern):
    return [s for s in statements if re.search(pattern, " ".join(s.split()))]


def test_a_decision_waiting_to_be_told_is_told_by_the_clocks_the_page_reads_once(
    world, login, make_case, count_statements
):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=worker)
    client = login(worker)

    html, statements = _page(client, case, count_statements)
    assert f"/cases/{case.number}/actions/inform_decision" in html  # the feedback clock runs
    assert len(_reading(statements, r"\bFROM case_clocks\b")) == 1

    services.transition(case, "inform_decision", worker, comment="电话告知", data={"method": "phone"})
    html, statements = _page(client, case, count_statements)
    assert f"/cases/{case.number}/actions/inform_decision" not in html  # told: the clock is met
    assert len(_reading(statements, r"\bFROM case_clocks\b")) == 1


def test_the_viewer_s_centre_and_the_case_s_enterprise_come_with_their_rows(world, login, make_case, count_statements):
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="submitted")
    html, statements = _page(login(worker), case, count_statements)
    assert world.enterprise.name in html
    assert not _reading(statements, r"FROM centres WHERE centres\.id = ")  # loaded with the user
    assert not _reading(statements, r"FROM enterprises WHERE enterprises\.id = ")  # joined to the case


def test_the_funds_are_not_read_for_a_case_that_cannot_ask_them(world, login, make_case, count_statements):
    """A submitted case may not ask the fund whatever funds there are: the panel does not read them."""
    worker = world.users["caseworker"]
    case = make_case(world.applicant, world.enterprise, state="submitted")
    _, statements = _page(login(worker), case, count_statements)
    assert not _reading(statements, r"\bFROM funds\b")


def test_the_applicant_s_membership_is_read_once_for_every_panel(world, login, make_case, count_statements):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    html, statements = _page(login(world.applicant), case, count_statements)
    assert case.number in html
    assert len(_reading(statements, r"^SELECT enterprise_members\.id FROM enterprise_members WHERE")) == 1


def test_a_membership_ended_is_read_again_after_a_write(world, session, make_case):
    """What was kept of a membership is forgotten by any write: the next check reads it afresh."""
    from sqlalchemy import update

    from app.cases.permissions import is_case_member
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    case = make_case(world.applicant, world.enterprise, state="submitted")
    assert is_case_member(world.applicant, case)
    session.execute(
        update(EnterpriseMember)
        .where(EnterpriseMember.user_id == world.applicant.id)
        .values(status=MembershipStatus.REJECTED)
    )
    assert not is_case_member(world.applicant, case)


def test_the_case_s_centre_comes_with_the_case(world, login, make_case, make_user, session, count_statements):
    """A case of a centre below the viewer's (the county's, seen from the city)."""
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    applicant = make_user(Role.APPLICANT, email="applicant@county-firm.cn")
    session.add(EnterpriseMember(enterprise=world.county_enterprise, user=applicant, status=MembershipStatus.ACTIVE))
    session.commit()
    case = make_case(applicant, world.county_enterprise, state="submitted")
    assert case.centre_id == world.county.id
    html, statements = _page(login(world.users["caseworker"]), case, count_statements)
    assert world.county.name_zh in html
    assert not _reading(statements, r"FROM centres WHERE centres\.id = ")


def test_no_mediators_are_read_when_no_mediation_can_start(world, login, make_case, count_statements):
    """The panel then shows only why (no form to offer them in); an eligible case offers them
    (tests/mediation/test_pages.py)."""
    case = make_case(world.applicant, world.enterprise, state="acknowledged", staff=world.users["caseworker"])
    html, statements = _page(login(world.users["supervisor"]), case, count_statements)
    assert 'id="mediation-not-possible"' in html
    assert world.users["mediator"].email not in html
    assert not _reading(statements, r"^SELECT users\.email, users\.name, centres\.name_zh FROM users")


def test_the_timeline_s_authors_come_with_its_events(world, login, make_case, count_statements):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    html, statements = _page(login(world.users["supervisor"]), case, count_statements)
    assert world.users["caseworker"].name in html  # who recorded the steps, shown to staff
    events = _reading(statements, r"\bFROM case_events\b")
    assert len(events) == 1 and re.search(r"JOIN users", events[0])
    assert not _reading(statements, r"FROM users WHERE users\.id IN \(")
