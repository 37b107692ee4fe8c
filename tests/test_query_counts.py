"""List and detail pages run a bounded number of SQL statements, however many rows they show."""

from __future__ import annotations

import pytest

from app.auth.models import Role
from tests.helpers import statements_for


@pytest.mark.parametrize(
    "url, role, grow",
    [
        ("/enterprises", "caseworker", "enterprises"),
        ("/enterprises/requests", "caseworker", "requests"),
        ("/admin/users", "admin", "staff"),
        ("/centres", "admin", "centres"),
        ("/", "admin", "enterprises"),
    ],
)
def test_pages_do_not_grow_with_rows(
    world, login, count_statements, make_enterprise, make_user, make_centre, session, url, role, grow
):
    from app.centres.models import CentreLevel
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    client = login(world.users[role])

    def add(n):
        for i in range(n):
            if grow == "enterprises":
                make_enterprise(world.county if i % 2 else world.city)
            elif grow == "requests":
                joiner = make_user(Role.APPLICANT)
                session.add(EnterpriseMember(enterprise=world.enterprise, user=joiner, status=MembershipStatus.PENDING))
                session.commit()
            elif grow == "staff":
                make_user(Role.CASEWORKER, centre=world.county)
            else:
                make_centre(parent=world.city, level=CentreLevel.WORKSTATION)

    add(2)
    few = statements_for(client, count_statements, url)
    add(25)
    many = statements_for(client, count_statements, url)
    assert many == few, f"{url}: {few} statements with few rows, {many} with many (N+1?)"
    assert few <= 8, f"{url}: {few} statements"


def test_enterprise_page_does_not_grow_with_members(world, login, count_statements, make_user, session):
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    client = login(world.users["caseworker"])
    url = f"/enterprises/{world.enterprise.id}"
    few = statements_for(client, count_statements, url)
    for _ in range(15):
        session.add(
            EnterpriseMember(
                enterprise=world.enterprise, user=make_user(Role.APPLICANT), status=MembershipStatus.ACTIVE
            )
        )
    session.commit()
    assert statements_for(client, count_statements, url) == few
