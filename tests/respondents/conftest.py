"""Fixtures of the repeat-infringer tests: cases against named respondents in the world's centres."""

from __future__ import annotations

import pytest

ACME = "深圳市某某科技有限公司"


@pytest.fixture
def county_applicant(world, make_user, session):
    """An applicant of the county's enterprise (its cases are the county centre's)."""
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    user = make_user(Role.APPLICANT, email="county@firm.cn")
    session.add(EnterpriseMember(enterprise=world.county_enterprise, user=user, status=MembershipStatus.ACTIVE))
    session.commit()
    return user


@pytest.fixture
def against(world, make_case, county_applicant):
    """``against(*respondents, who="city", state="acknowledged")``: a case naming ``respondents`` (names, or
    ``(name, credit code)`` pairs), filed by the applicant of the city's enterprise (``who="city"``), of
    the county's (``"county"``) or of the sibling city's (``"sibling"``), and driven to ``state``."""

    def make(*respondents, who="city", state="acknowledged"):
        parties = [
            {"name": r, "credit_code": None} if isinstance(r, str) else {"name": r[0], "credit_code": r[1]}
            for r in respondents
        ]
        applicant, enterprise, staff = {
            "city": (world.applicant, world.enterprise, world.users["caseworker"]),
            "county": (county_applicant, world.county_enterprise, world.users["caseworker"]),
            "sibling": (world.other_applicant, world.other_enterprise, world.sibling_caseworker),
        }[who]
        return make_case(applicant, enterprise, state=state, staff=staff, respondents=parties)

    return make
