"""Helpers for tests: CSRF-aware form posts and valid identifiers."""

from __future__ import annotations

import itertools
import os
import re

from app.core.identifiers import CREDIT_CODE_CHARSET, credit_code_check_char

PASSWORD = "Correct-Horse-7"
_seq = itertools.count(1000)


def valid_credit_code(n: int | None = None, region: str = "440300") -> str:
    """A syntactically valid unified social credit code, different for every n."""
    n = next(_seq) if n is None else n
    body = ""
    for _ in range(9):
        body = CREDIT_CODE_CHARSET[n % 31] + body
        n //= 31
    first17 = "91" + region + body
    return first17 + credit_code_check_char(first17)


def csrf_token(client, url="/login") -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url, data, token_url=None):
    """POST a form with a CSRF token taken from ``token_url`` (default: the same URL)."""
    token = csrf_token(client, token_url or url)
    return client.post(url, data={**data, "csrf_token": token})


def statements_for(client, counting, url) -> int:
    """How many SQL statements one GET of ``url`` runs (it must answer 200)."""
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def examples(n: int) -> int:
    """How many examples a fuzz run draws: ``n`` on a developer's run (new draws each time, finding what
    was never tried), half as many on CI (``HYPOTHESIS_PROFILE=ci``: the same draws on every run, a
    regression check whose first examples, the simplest, find most; the suite keeps to its time budget).
    The state machines, whose derandomized walks must reach every action, keep their full counts."""
    return max(5, n // 2) if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else n
