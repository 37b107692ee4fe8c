"""A handover refused for a colleague of another centre tells nothing about them: not their name,
not their role, not whether their account is active (the e-mail was typed by the offerer)."""

from __future__ import annotations

import pytest

from app.auth.models import Role
from tests.clocks.test_handovers import refused


@pytest.fixture
def taken(world, make_case):
    """An acknowledged web complaint taken up by the city caseworker."""
    worker = world.users["caseworker"]
    return make_case(world.applicant, world.enterprise, state="acknowledged", staff=worker), worker, None


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.CASEWORKER, Role.FUND_COMMITTEE, Role.ADMIN])
@pytest.mark.parametrize("active", [True, False])
def test_a_refusal_names_no_one_of_another_centre(taken, world, make_user, session, role, active):
    case, worker, _ = taken
    stranger = make_user(role, centre=world.sibling, email=f"stranger-{role.value}@sibling.cn", name="外中心甲某")
    stranger.is_active = active
    session.flush()
    reason = refused(case, "offer_handover", worker, to_user=stranger.email)
    assert "does not work at this case's centre" in reason
    assert stranger.name not in reason
    assert str(role.label) not in reason and "deactivated" not in reason and "caseworker or supervisor" not in reason


def test_a_colleague_of_the_same_centre_is_still_told_why(taken, world, make_user, session):
    """Inside the centre the offerer may learn who their colleague is and why the offer cannot go."""
    case, worker, _ = taken
    mediator = make_user(Role.MEDIATOR, centre=world.city, email="mediator-here@city.cn", name="本中心调解员")
    assert "本中心调解员 is not a caseworker or supervisor" in refused(
        case, "offer_handover", worker, to_user=mediator.email
    )
