"""Clock fixtures: ``at`` sets the time the one door sees (the calendar itself is the real one)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.workdays import CHINA


@pytest.fixture
def at(monkeypatch):
    """``at(2026, 9, 30, 21, 30)``: from now on the door acts at that China time (returned in UTC)."""
    import app.cases.services as case_services

    current = {}

    def set_time(y, m, d, hh=10, mm=0):
        current["now"] = datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC)
        monkeypatch.setattr(case_services, "utcnow", lambda: current["now"])
        return current["now"]

    return set_time


def china_date(value):
    return value.astimezone(CHINA).date() if value is not None else None
