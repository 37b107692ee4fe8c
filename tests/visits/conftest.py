"""Fixtures of the visit tests: the world's city with a visit recorded, planned or closed, and the door's
time pinned (the services read ``utcnow`` of ``app.visits.services``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.core.workdays import CHINA

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=CHINA).astimezone(UTC)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


class DoorTime:
    """``utcnow`` of the visit services: the time set, plus a millisecond per reading."""

    def __init__(self):
        self.base, self.ticks = NOW, 0

    def set(self, y, m, d, hh=10, mm=0) -> datetime:
        self.base, self.ticks = datetime(y, m, d, hh, mm, tzinfo=CHINA).astimezone(UTC), 0
        return self.base

    def __call__(self) -> datetime:
        self.ticks += 1
        return self.base + timedelta(milliseconds=self.ticks)


@pytest.fixture
def at(monkeypatch):
    clock = DoorTime()
    monkeypatch.setattr("app.visits.services.utcnow", clock)
    return clock


@pytest.fixture
def staff(world):
    return world.users["caseworker"], world.users["supervisor"]


@pytest.fixture
def record(world, at, staff):
    """``record(**overrides)``: an unplanned visit of the city recorded by its caseworker (a valid one)."""
    from app.visits import services

    def make(actor=None, visit=None, **over):
        cw, sup = staff
        fields = {
            "centre": world.city,
            "visited_on": day(-1),
            "staff": [cw],
            "enterprises": [world.enterprise],
            "topics": ["policy_briefing", "ip_diagnosis"],
            "problems": [
                {
                    "text": "竞争对手仿冒其外观设计产品在电商平台销售",
                    "ip_type": "design",
                    "right_number": "ZL201830123456.6",
                }
            ],
            "needs": "希望了解专利快速预审政策",
            "follow_ups": [{"text": "寄送专利快速预审政策材料", "owner": cw, "due_on": day(5)}],
            "contact_name": "王经理",
            "contact_title": "法务主管",
            "contact_phone": "0755-12345678",
            "notes": "内部：企业对维权意愿强烈",
        }
        if visit is not None:
            fields.pop("centre")
        fields.update(over)
        return services.record_visit(actor or cw, visit, **fields)

    return make
