"""Shared by the report pages' tests: the generated world of ``gen.py`` (its month 2026-10, long over)
with the users who read it, and small readers of what the pages say."""

from __future__ import annotations

import re
import subprocess
from html import unescape

import pytest

from app.auth.models import Role
from tests.reports import gen

MONTH = gen.MONTH.key


@pytest.fixture
def rworld(session, make_centre, make_user, make_enterprise):
    w = gen.build(session, make_centre, make_user, make_enterprise)
    w.caseworker = make_user(role=Role.CASEWORKER, centre=w.province)
    w.far_supervisor = make_user(role=Role.SUPERVISOR, centre=w.other_province)
    w.city_supervisor = make_user(role=Role.SUPERVISOR, centre=w.cities[1])
    w.admin = make_user(role=Role.ADMIN, centre=w.province)
    w.english = make_user(role=Role.SUPERVISOR, centre=w.province, locale="en")
    session.commit()
    return w


def figures_of(centre, subtree=True, **kw) -> dict:
    from app.reports import figures

    return figures.as_dict(figures.compute(centre, gen.MONTH, subtree=subtree, **kw))


def value(data: dict, key: str, period: str = "current", group: str = "all") -> int:
    return data["values"][period].get(group, {}).get(key, 0)


def text_of(html: str) -> str:
    """The page's text, tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def pdf_text(data: bytes) -> str:
    assert data[:5] == b"%PDF-"
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return out.stdout.decode()
