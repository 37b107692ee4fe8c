"""The visit form on a phone weighs at most 150 KB over the wire: the page, its style sheets and scripts.

A caseworker opens /visits/new at 390×844 with the browser's cache off (a first visit); the bytes
Chromium received for the document, the style sheets and the scripts (headers included, as DevTools
counts them) are added up. Bootstrap alone is 305 KB as files: the page fits only because the
static files go gzipped (``app.core.static_gzip``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from app.core.static_gzip import compress_static
from tests.e2e.conftest import _live, wait_until
from tests.e2e.test_case_journey import CASEWORKER, log_in

pytestmark = pytest.mark.e2e

BUDGET = 150 * 1024
COUNTED = {"Document", "Stylesheet", "Script"}


def test_the_visit_form_weighs_at_most_150_kb_on_a_phone(page: Page):
    compress_static(_live["app"].static_folder)  # as `make setup` does (nothing written when fresh)
    log_in(page, CASEWORKER)
    page.set_viewport_size({"width": 390, "height": 844})

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    kinds: dict[str, tuple[str, str]] = {}
    wire: dict[str, int] = {}
    body: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], (e["type"], e["response"]["url"])))
    cdp.on(
        "Network.dataReceived",
        lambda e: body.__setitem__(e["requestId"], body.get(e["requestId"], 0) + e["dataLength"]),
    )
    cdp.on("Network.loadingFinished", lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"])))

    page.goto("/visits/new", wait_until="load")
    wait_until(page, "document.readyState === 'complete'")
    page.wait_for_timeout(200)  # the last loadingFinished events reach the test
    counted = {rid: kinds[rid] for rid in wire if rid in kinds and kinds[rid][0] in COUNTED}
    assert {kind for kind, _url in counted.values()} == COUNTED, counted

    total = sum(wire[rid] for rid in counted)
    unpacked = sum(body.get(rid, 0) for rid in counted)
    lines = [
        f"  {wire[rid]:>7} B over the wire  {body.get(rid, 0):>7} B  {kind:<10} {url}"
        for rid, (kind, url) in counted.items()
    ]
    print("\n/visits/new at 390x844, cache off:\n" + "\n".join(lines))
    print(f"  total {total} B ({total / 1024:.1f} KB) over the wire, {unpacked} B ({unpacked / 1024:.1f} KB) unpacked")
    assert total <= BUDGET, f"/visits/new weighs {total / 1024:.1f} KB over the wire (budget 150 KB)"
    assert not page.problems, page.problems
