"""List and detail pages run a bounded number of SQL statements, however many rows they show."""

from __future__ import annotations

import pytest

from app.auth.models import Role
from tests.helpers import statements_for


@pytest.mark.parametrize(
    "url, role, grow",
    [
        ("/enterprises", "caseworker", "enterprises"),
        ("/enterprises?after=1", "caseworker", "enterprises"),
        ("/enterprises/requests", "caseworker", "requests"),
        ("/admin/users", "admin", "staff"),
        ("/centres", "admin", "centres"),
        ("/centres?q=centre", "admin", "centres"),
        ("/", "admin", "enterprises"),
        ("/admin/agencies", "admin", "agencies"),
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
            elif grow == "agencies":
                import uuid

                from app.agencies.models import Agency, AgencyKind

                session.add(
                    Agency(
                        centre=world.county if i % 2 else world.city,
                        name=f"测试局{uuid.uuid4().hex[:8]}",
                        kind=AgencyKind.OTHER,
                        rights=["trademark"],
                    )
                )
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


def test_a_branch_of_the_centres_tree_does_not_grow_with_its_centres(
    world, login, count_statements, make_centre, session
):
    """``/centres?under=``: the branch, its breadcrumb and its children's counts, however many children."""
    from app.centres.models import CentreLevel

    client = login(world.province_admin)
    url = f"/centres?under={world.city.id}"
    few = statements_for(client, count_statements, url)
    for _ in range(20):
        child = make_centre(parent=world.city, level=CentreLevel.COUNTY)
        make_centre(parent=child, level=CentreLevel.WORKSTATION)
    many = statements_for(client, count_statements, url)
    assert many == few, f"{url}: {few} statements with few rows, {many} with many (N+1?)"
    assert few <= 10, f"{url}: {few} statements"


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
