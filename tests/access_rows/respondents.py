"""Access rows: the ranking of respondents (tests/respondents/test_pages.py checks what it shows).

Every case of the shared world names the same respondent (``make_case``'s default), so ``check`` reads
the case page's panel of other cases: staff see the cases of their subtree there and never a sibling
city's, the province's or a draft; the applicant's side sees no panel.
"""

from __future__ import annotations

from tests.access_rows import expect

RANKERS = {"caseworker": 200, "supervisor": 200}

# (Its period filter, good and bad, is tried in tests/respondents/test_pages.py: a row's path has no query.)
ROWS = [
    ("GET", lambda w: "/respondents", expect(403, anon=302, **RANKERS)),
]


def check(role, w, client):
    from tests.access_rows.cases import CASE_NUMBER, DRAFTS, OUT_OF_SCOPE

    if role == "anon":
        return
    response = client.get(f"/cases/{w.case.number}")
    assert response.status_code == 200, role
    html = response.get_data(as_text=True)
    if role == "applicant":
        assert 'id="other-cases-panel"' not in html
        return
    panel = html.split('id="other-cases-panel"', 1)[1].split("</section>", 1)[0]
    shown = set(CASE_NUMBER.findall(panel))
    assert shown, role  # the newest of the many cases naming it (their number is capped)
    leaked = [name for name in OUT_OF_SCOPE + DRAFTS if getattr(w, name).ref in shown]
    assert not leaked and w.case.number not in shown, f"{role}: {leaked}"
