"""A mediation session as an iCalendar file: its identity, its times in UTC, its text escaped (RFC 5545),
no property added by what a field holds, and only for whoever may see the mediation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from app.core.workdays import CHINA
from app.mediation import services
from app.mediation.models import MediationSession


@pytest.fixture
def mediation(world, make_case, session):
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    m = services.request_mediation(
        case, world.users["caseworker"], mediator=world.users["mediator"].email, scope="damages", not_in_court=True
    )
    today = datetime.now(CHINA).date().isoformat()
    services.transition(m, "serve_respondent", world.users["caseworker"], data={"served_on": today, "method": "post"})
    services.transition(m, "respondent_agrees", world.users["caseworker"], data={})
    session.commit()
    return m


def _schedule(world, m, session, place, online_url="", starts=None):
    starts = starts or (datetime.now(UTC) + timedelta(days=2)).replace(hour=1, minute=30, second=0, microsecond=0)
    services.transition(
        m,
        "schedule_session",
        world.users["mediator"],
        data={"starts_at": starts.isoformat(), "place": place, "online_url": online_url, "duration_minutes": "90"},
    )
    session.commit()
    return m.sessions[-1]


def _ics(client, m, s):
    response = client.get(f"/mediations/{m.id}/sessions/{s.id}.ics")
    assert response.status_code == 200, response.status_code
    return response


def _event(body: bytes):
    events = list(Calendar.from_ical(body).walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def test_the_session_file(world, login, mediation, session):
    s = _schedule(world, mediation, session, "中心二楼调解室", "https://meeting.example.cn/j/123?pwd=a,b;c")
    response = _ics(login(world.users["mediator"]), mediation, s)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="{mediation.case.number}-mediation-{mediation.id}-session-1.ics"'
    assert disposition.isascii()
    body = response.data
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    event = _event(body)
    assert str(event["UID"]) == s.uid and int(event["SEQUENCE"]) == s.sequence == 0
    start = event.decoded("DTSTART")
    assert start == s.starts_at and start.utcoffset() == timedelta(0)
    assert event.decoded("DTEND") - start == timedelta(minutes=90)
    assert re.search(rb"\r\nDTSTART:\d{8}T\d{6}Z\r\n", body) and re.search(rb"\r\nDTEND:\d{8}T\d{6}Z\r\n", body)
    assert mediation.case.number in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "中心二楼调解室"
    assert str(event["URL"]) == "https://meeting.example.cn/j/123?pwd=a,b;c"
    description = str(event["DESCRIPTION"])
    assert "某某科技有限公司" in description and f"/mediations/{mediation.id}" in description


def test_text_is_escaped_per_rfc_5545(world, login, mediation, session):
    place = "会议室, 3楼; A\\B区\n请走东门"
    s = _schedule(world, mediation, session, place)
    body = _ics(login(world.users["caseworker"]), mediation, s).data
    unfolded = body.replace(b"\r\n ", b"")
    assert "LOCATION:会议室\\, 3楼\\; A\\\\B区\\n请走东门\r\n".encode() in unfolded
    assert str(_event(body)["LOCATION"]) == place  # and reads back as typed


def test_a_line_break_in_a_field_cannot_add_a_property(world, login, mediation, session):
    place = "调解室\r\nATTENDEE:mailto:evil@example.com\rX-INJECTED:1\nORGANIZER:mailto:evil@example.com"
    s = _schedule(world, mediation, session, place)
    # A case title and a link written behind the pages' back (the guards refuse such a link).
    mediation.case.title = "标题\r\nDESCRIPTION:伪造\r\nBEGIN:VALARM"
    s.online_url = "https://evil.example.com/\r\nATTENDEE:mailto:evil@example.com"
    session.commit()
    body = _ics(login(world.applicant), mediation, s).data
    lines = body.split(b"\r\n")
    assert not any(line.startswith((b"ATTENDEE", b"X-INJECTED", b"ORGANIZER", b"BEGIN:VALARM")) for line in lines)
    assert b"\r" not in body.replace(b"\r\n", b"") and b"\n" not in body.replace(b"\r\n", b"")
    event = _event(body)
    assert set(event) <= {"UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "URL", "DESCRIPTION"}
    assert "URL" not in event  # a link that is not a plain web address is left out
    assert body.count(b"\r\nDESCRIPTION:") == 1 and body.count(b"\r\nBEGIN:") == 1  # VEVENT only
    assert "ATTENDEE:mailto:evil@example.com" in str(event["LOCATION"])  # kept as text, inside its property


def test_a_moved_session_keeps_its_uid_and_counts_up_its_sequence(world, login, mediation, session):
    s = _schedule(world, mediation, session, "调解室")
    services.transition(
        mediation,
        "record_session",
        world.users["mediator"],
        data={"session": str(s.id), "held_at": datetime.now(UTC).isoformat(), "minutes": "已举行"},
    )
    session.commit()
    event = _event(_ics(login(world.users["mediator"]), mediation, s).data)
    assert str(event["UID"]) == s.uid and int(event["SEQUENCE"]) == 1


def test_only_whoever_may_see_the_mediation_gets_it(world, login, mediation, make_case, session):
    s = _schedule(world, mediation, session, "调解室")
    assert (
        login(world.users["fund_committee"]).get(f"/mediations/{mediation.id}/sessions/{s.id}.ics").status_code == 200
    )
    for user in (world.sibling_caseworker, world.other_applicant):
        assert login(user).get(f"/mediations/{mediation.id}/sessions/{s.id}.ics").status_code == 404
    # A session of another mediation, asked for under this one.
    other_case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    other = services.request_mediation(other_case, world.users["caseworker"], not_in_court=True)
    stray = MediationSession(
        mediation=other, position=1, starts_at=s.starts_at, place="别处", uid="stray@ipaid", duration_minutes=60
    )
    session.add(stray)
    session.commit()
    c = login(world.users["caseworker"])
    assert c.get(f"/mediations/{mediation.id}/sessions/{stray.id}.ics").status_code == 404
    assert c.get(f"/mediations/{other.id}/sessions/{stray.id}.ics").status_code == 200
    assert c.get(f"/mediations/{mediation.id}/sessions/2147483647.ics").status_code == 404
    assert login(world.applicant).get(f"/mediations/{mediation.id}/sessions/{s.id}.ics").status_code == 200
