"""The notifications page counts the unread once: for its "mark all read" and for the navigation's badge."""

from app.notifications.services import notify


def test_the_unread_are_counted_once(world, login, make_case, session, count_statements):
    case = make_case(world.applicant, world.enterprise, state="submitted")
    caseworker = world.users["caseworker"]
    notify([caseworker.id], "clock_breached", case, {"clock": "response"})
    session.commit()
    client = login(caseworker)
    with count_statements() as statements:
        html = client.get("/notifications").get_data(as_text=True)
    counts = [s for s in statements if "count(notifications.id)" in s]
    assert len(counts) == 1, counts
    assert 'name="all" value="1"' in html  # "mark all as read": one is unread
    assert '<span class="badge' in html.split('href="/notifications"', 1)[1].split("</a>", 1)[0]  # the badge
