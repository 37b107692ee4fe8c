"""Property-based fuzzing of the case forms and the case lists (Hypothesis), with the harness of
``tests/test_fuzz_forms.py``.

Whatever is sent to filing, recording, editing a draft, the workflow actions (comment, conditions,
reason, rating, version), notes, messages, related cases, evidence uploads, the list filters and the
CSV export: never a 5xx, and a refused request (4xx) changes nothing. Here "nothing" covers the case
tables (cases, rights, respondents, events, the audit chain's heads, attachments, documents, links,
number sequences) on top of the harness's tables, and the files under the upload folder: a refused
upload or filing leaves no file behind. A request that succeeds does what it says: a filing adds one
case, an action records its event, an upload its files. The list and the CSV never show a case the
user may not see (another centre's, or an applicant's draft to staff).

``FUZZ_MAX_EXAMPLES`` sets the number of examples per test (default 30), as in ``tests/test_fuzz_forms.py``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import ALL_CONDITIONS, VALID_UTILITY_MODEL
from tests.core.test_filetypes import sample_pdf, sample_png
from tests.helpers import valid_credit_code
from tests.test_fuzz_forms import (
    BOOL,
    FUZZ,
    INDUSTRIES,
    OMIT,
    QUERY_TEXT,
    SCALAR_JUNK,
    TABLES,
    Harness,
    Live,
    example_form,
    fld,
    form,
    has_nul,
    money,
)

CASE_TABLES = (
    "cases",
    "case_rights",
    "case_respondents",
    "case_events",
    "case_audit_heads",
    "case_sequences",
    "attachments",
    "documents",
    "case_links",
)
KINDS = ["complaint", "assistance", "consultation", "overseas"]
IP_TYPES = ["invention_patent", "utility_model", "design", "trademark", "copyright", "other"]
CHANNELS = ["web", "hotline", "walk_in", "letter", "email", "visit", "transfer", "platform"]
STATES = [
    "draft", "submitted", "acknowledged", "awaiting_material", "accepted", "declined", "in_progress", "resolved",
    "closed", "withdrawn",
]  # fmt: skip
ACTIONS = [
    "submit", "acknowledge", "request_material", "provide_material", "accept", "decline", "answer",
    "start_handling", "resolve", "inform_outcome", "close", "withdraw", "reopen", "rate",
]  # fmt: skip
REASONS = ["out_of_scope", "not_eligible", "insufficient_evidence", "outside_jurisdiction", "duplicate", "other"]
VALID_DESIGN = "202330123456.7"
FACTS = "被投诉人在电商平台销售与本专利相同的产品。"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256))


# ---- the harness, with the case tables and the stored files ------------------------------------------


class CaseHarness(Harness):
    tables = TABLES + CASE_TABLES
    order_by = {"case_audit_heads": "case_id", "case_sequences": "centre_id, year"}

    def stored_files(self) -> list[str]:
        """The stored files, less the staged uploads: a refused form keeps the good files it was sent
        on purpose (``app.cases.staged``), so nobody has to choose them again."""
        root = Path(self.app.config["UPLOAD_FOLDER"])
        files = (str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        return sorted(f for f in files if not f.startswith("staged/"))

    def snapshot(self, ignore=frozenset()):
        snap = super().snapshot(ignore)
        files = self.stored_files()
        snap["stored files"] = (len(files), hashlib.sha256(repr(files).encode()).hexdigest(), files)
        return snap

    def diff(self, before, after) -> str:
        lines = [super().diff(before, after)]
        (n0, h0, f0), (n1, h1, f1) = before["stored files"], after["stored files"]
        if h0 != h1:
            lines.append(f"  stored files: {n0} -> {n1}; new {sorted(set(f1) - set(f0))[:3]}")
        return "\n".join(line for line in lines if line)

    def count(self, sql: str, **params) -> int:
        return int(self.scalar(sql, **params))


@pytest.fixture
def fuzz(app):
    harness = CaseHarness(app)
    app.logger.addHandler(harness.capture)
    yield harness
    app.logger.removeHandler(harness.capture)


@pytest.fixture
def cases(world, make_case, make_user, session, app):
    """Cases in every state for the city enterprise, a county one, a consultation, drafts, another centre's."""
    from app.auth.models import Role
    from app.cases import documents
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    documents.remember_app(app)
    caseworker = world.users["caseworker"]
    county_applicant = make_user(Role.APPLICANT, email="applicant@county-firm.cn")
    session.add(
        EnterpriseMember(enterprise=world.county_enterprise, user=county_applicant, status=MembershipStatus.ACTIVE)
    )
    session.commit()

    def mine(state, **kw):
        return make_case(world.applicant, world.enterprise, state=state, staff=caseworker, **kw)

    c = {state: mine(state) for state in STATES}
    c["acknowledged 2"] = mine("acknowledged")
    c["awaiting 2"] = mine("awaiting_material")
    c["consultation"] = mine("acknowledged", kind="consultation", rights=[], respondents=[])
    c["drafts"] = [mine("draft") for _ in range(3)]
    c["county"] = make_case(county_applicant, world.county_enterprise, state="acknowledged", staff=caseworker)
    c["sibling"] = make_case(
        world.other_applicant, world.other_enterprise, state="acknowledged", staff=world.sibling_caseworker
    )
    c["sibling draft"] = make_case(world.other_applicant, world.other_enterprise, state="draft")
    return c


def numbers(*cases) -> list[str]:
    return [case.ref for case in cases]  # a draft's reference until it is submitted


def case_numbers(c) -> list[str]:
    """Mostly the world's cases (in scope and not), sometimes a number that does not exist or is malformed."""
    return numbers(*(c[s] for s in STATES), c["acknowledged 2"], c["awaiting 2"], c["consultation"], c["county"]) + [
        c["sibling"].number,
        c["sibling draft"].ref,
        c["drafts"][0].ref,
    ]


ODD_NUMBERS = ["CA-2099-99999", "ca-2026-00001", "x", "CA-2026-1", "CA-2026-000001", "%", "..", "CA%2D2026"]


def number_of(c, weight: int = 8):
    return st.sampled_from(["valid"] * weight + ["odd"]).flatmap(
        lambda pick: st.sampled_from(case_numbers(c)) if pick == "valid" else st.sampled_from(ODD_NUMBERS)
    )


def version_of_case(fuzz, target: dict):
    """The current version of the case of this example (a form shows it), or 1 when it does not exist."""

    def current():
        value = fuzz.scalar("SELECT version FROM cases WHERE number = :n", n=target.get("number", ""))
        return 1 if value is None else value

    return Live("version", current)


# ---- files --------------------------------------------------------------------------------------------

CONTENTS = [sample_pdf(), sample_png(), b"", EXE, b"%PDF-", b"\x00" * 64, "购买凭证\n".encode(), b"\xff\xfe" * 10]
# (A raw CR or LF in a part's file name breaks the multipart body itself, 400: browsers send it escaped.)
FILENAMES = [
    "证据.pdf", "photo.png", "a.exe", "", "../../etc/passwd", "x\x00.pdf", "😀" * 80 + ".pdf", "CON", ".pdf",
    "a" * 300 + ".png", "notes.txt", "C:\\Windows\\evil.pdf", "%00.pdf", "%0D%0A.pdf", "a\tb.pdf",
]  # fmt: skip
ONE_FILE = st.builds(
    lambda content, name: (io.BytesIO(content), name), st.sampled_from(CONTENTS), st.sampled_from(FILENAMES)
)
FILES = st.one_of(ONE_FILE, st.lists(ONE_FILE, min_size=2, max_size=3))


def good_file(name="证据.pdf"):
    return (io.BytesIO(sample_pdf()), name)


# ---- filing, recording, editing a draft ---------------------------------------------------------------


def weighted(common: list, rare: list, weight: int = 3):
    """One of ``common`` ``weight`` times out of ``weight + 1``, else one of ``rare``."""
    return st.sampled_from(["common"] * weight + ["rare"]).flatmap(
        lambda pick: st.sampled_from(common if pick == "common" else rare)
    )


def _case_fields():
    """Mostly a filing that passes (a utility model with its number), sometimes a value that does not."""
    return {
        "kind": weighted(["complaint"], KINDS),
        "ip_type": weighted(["utility_model"], IP_TYPES + [""]),
        "ip_number": weighted(
            [VALID_UTILITY_MODEL, "ZL 2023 2012 3456.1", "2023201234561"],
            [VALID_DESIGN, "12345678", "202320123456.2", ""],
        ),
        "ip_title": st.sampled_from(["一种折叠式支架", "", "A & B 'x' %_"]),
        "respondent_name": weighted(["某某科技有限公司", "O'Brien & Co %_"], [""]),
        "respondent_credit_code": weighted([""], [valid_credit_code(4242), "91440300MA5EY3PN2X"]),
        "respondent_address": st.sampled_from(["", "深圳市南山区科技园"]),
        "respondent_url": weighted(["", "shop.example.com/item/1"], ["https://例子.中国/x", "javascript:alert(1)"]),
        "title": st.sampled_from(["", "实用新型专利被仿冒"]),
        "facts": weighted([FACTS], [""]),
        "help_wanted": st.sampled_from(["", "请求调解"]),
        "claimed_amount": st.sampled_from(["valid"] * 3 + ["edge"]).flatmap(
            lambda pick: (
                st.one_of(money(), st.just(""))
                if pick == "valid"
                else st.sampled_from(["1000000000000", "1000000000000.01", "0.001", "-1"])
            )
        ),
    }


def _filing(**over):
    data = {
        "kind": "complaint",
        "ip_type": "utility_model",
        "ip_number": VALID_UTILITY_MODEL,
        "respondent_name": "某某科技有限公司",
        "facts": FACTS,
        "intent": "submit",
    }
    return example_form(**{**data, **over})


def _check_created(fuzz, before: int, response) -> None:
    """A filing or recording that was not refused either created one case (302 to it) or nothing."""
    after = fuzz.count("SELECT count(*) FROM cases")
    if response.status_code == 302 and "/cases/" in response.headers["Location"]:
        assert after == before + 1, (before, after, response.headers["Location"])
    else:
        assert after == before, (before, after, response.status_code)


def test_filing(world, fuzz):
    actor = fuzz.actor(world.applicant)
    fields = {**_case_fields(), "intent": st.sampled_from(["submit", "draft", OMIT]), "evidence": FILES}

    @FUZZ
    @given(data=form(fields))
    @example(data=_filing())
    @example(data=_filing(evidence=good_file()))
    @example(data=_filing(evidence=[good_file(), (io.BytesIO(EXE), "b.pdf")]))  # one bad file: nothing kept
    @example(data=_filing(evidence=(io.BytesIO(b""), "empty.pdf")))
    @example(data=_filing(claimed_amount="NaN"))
    @example(data=_filing(claimed_amount="1e309"))
    @example(data=_filing(ip_number="\x00"))
    @example(data=_filing(facts="", intent="submit"))
    @example(data=_filing(facts="x" * 20001))
    def run(data):
        before = fuzz.count("SELECT count(*) FROM cases")
        response, _sent = actor.post("/cases/new", data)
        _check_created(fuzz, before, response)

    run()
    fuzz.require_reached()


def test_filing_by_staff_and_without_an_enterprise(world, fuzz, make_user):
    """Those who may not file: every submission is refused or sent on to the recording form, nothing kept."""
    from app.auth.models import Role

    actors = [fuzz.actor(world.users[role]) for role in ("caseworker", "mediator", "admin")]
    actors.append(fuzz.actor(make_user(Role.APPLICANT, email="alone@example.cn")))

    @FUZZ
    @given(who=st.sampled_from(range(len(actors))), data=form({**_case_fields(), "evidence": FILES}))
    def run(who, data):
        before = fuzz.snapshot()
        response, _sent = actors[who].post("/cases/new", data, refused=lambda s: True)
        assert response.status_code in (302, 400, 403, 413), response.status_code
        assert fuzz.snapshot() == before

    run()
    fuzz.require_reached()


def test_recording(world, fuzz, cases):
    actor = fuzz.actor(world.users["caseworker"])
    codes = [
        world.enterprise.credit_code,
        world.county_enterprise.credit_code,
        world.other_enterprise.credit_code,  # another centre's: refused
        world.far_enterprise.credit_code,
        world.enterprise.credit_code.lower(),
    ]
    fields = {
        **_case_fields(),
        "channel": st.sampled_from(CHANNELS),
        "credit_code": weighted(codes[:2], codes[2:] + [valid_credit_code(n) for n in range(9000, 9010)]),
        "enterprise_name": st.sampled_from(["", "新登记科技有限公司"]),
        "industry": weighted(["software_it", "industry"], [""] + INDUSTRIES),
        "staff_count": st.one_of(st.just(""), st.integers(0, 10**7).map(str)),
        "revenue_wan": weighted(["", "500"], ["0", "999999999999.99"]),
        "assets_wan": st.one_of(st.just(""), money()),
        "is_specialised_new": BOOL,
        "is_in_hardship": BOOL,
        "duplicates": st.sampled_from(["link", "ignore", OMIT, OMIT]),
        "evidence": FILES,
    }
    county = world.county_enterprise.credit_code

    def rec(**over):
        return _filing(**{"channel": "hotline", "credit_code": county, "duplicates": "ignore", **over})

    @FUZZ
    @given(data=form(fields))
    @example(data=rec())
    @example(data=rec(duplicates="link"))
    @example(data=rec(credit_code=valid_credit_code(77), enterprise_name="新企业", industry="construction"))
    @example(data=rec(credit_code=world.other_enterprise.credit_code))
    @example(data=rec(staff_count="99999999999999999999"))
    @example(data=rec(revenue_wan="NaN", credit_code=valid_credit_code(78)))
    @example(data=rec(channel="\x00"))
    def run(data):
        before = fuzz.count("SELECT count(*) FROM cases")
        response, _sent = actor.post("/cases/record", data)
        _check_created(fuzz, before, response)

    run()
    fuzz.require_reached()


def test_editing_a_draft(world, fuzz, cases):
    actor = fuzz.actor(world.applicant)
    targets = [c.ref for c in cases["drafts"]] * 3 + [cases["submitted"].number, cases["sibling draft"].ref]
    target: dict = {}
    version = version_of_case(fuzz, target)
    fields = {
        **_case_fields(),
        "intent": st.sampled_from(["draft", "draft", "submit", OMIT]),
        "version": st.sampled_from([version, version, version, "0", "", "99999999999"]),
        "evidence": FILES,
    }
    draft = cases["drafts"][0].ref

    @FUZZ
    @given(number=st.sampled_from(targets), data=form(fields))
    @example(number=draft, data=_filing(intent="draft", version=version))
    @example(number=draft, data=_filing(intent="draft", version="0"))  # stale: 409, nothing kept
    @example(number=draft, data=_filing(intent="draft", version=version, evidence=(io.BytesIO(EXE), "x.pdf")))
    @example(number=cases["sibling draft"].number, data=_filing(intent="draft", version=version))
    def run(number, data):
        target["number"] = number
        actor.post(f"/cases/{number}/edit", data)

    run()
    fuzz.require_reached()


# ---- workflow actions ------------------------------------------------------------------------------


def _action_fields(version):
    conditions = st.lists(st.sampled_from(list(ALL_CONDITIONS) + ["is_admin", ""]), max_size=7)
    return {
        "comment": weighted(["请补充材料", "同意受理"], ["  ", "", "x" * 10001]),
        "version": st.sampled_from([version, version, version, "1", ""]),
        "conditions": st.one_of(st.just(list(ALL_CONDITIONS)), st.just(list(ALL_CONDITIONS)), conditions),
        "reason": weighted(REASONS, ["", "bogus"]),
        "rating": weighted(["1", "3", "5"], ["0", "6", "", "4.0"]),
    }


@pytest.mark.parametrize("who", ["applicant", "caseworker", "mediator"])
def test_workflow_actions(world, fuzz, cases, who):
    actor = fuzz.actor(world.users[who])
    target: dict = {}
    version = version_of_case(fuzz, target)
    mine = cases["acknowledged"].number

    def ok(**over):
        return example_form(**{"comment": "好的", "version": version, **over})

    # Half the time an action that fits the case's state at the start (states move on as examples succeed).
    fitting = [
        ("submitted", "acknowledge"), ("acknowledged", "request_material"), ("acknowledged", "accept"),
        ("acknowledged 2", "decline"), ("awaiting_material", "provide_material"), ("awaiting 2", "decline"),
        ("accepted", "start_handling"), ("in_progress", "resolve"), ("resolved", "inform_outcome"),
        ("resolved", "close"), ("closed", "rate"), ("closed", "reopen"), ("consultation", "answer"),
        ("submitted", "withdraw"), ("draft", "submit"), ("county", "request_material"), ("sibling", "accept"),
    ]  # fmt: skip
    fitting_pairs = st.sampled_from([(cases[name].ref, action) for name, action in fitting])
    any_pair = st.tuples(
        number_of(cases),
        st.one_of(st.sampled_from(ACTIONS), st.sampled_from(["", "ACCEPT", "transition", "%", "note"])),
    )

    @FUZZ
    @given(pair=st.one_of(fitting_pairs, any_pair), data=form(_action_fields(version)))
    @example(pair=(mine, "accept"), data=ok(conditions=list(ALL_CONDITIONS)[:4]))
    @example(pair=(mine, "accept"), data=ok(conditions="real_name"))
    @example(pair=(mine, "decline"), data=ok(reason="no_such_reason"))
    @example(pair=(mine, "decline"), data=ok(reason=["duplicate", "other"]))
    @example(pair=(cases["closed"].number, "rate"), data=ok(rating="5.0"))
    @example(pair=(cases["closed"].number, "rate"), data=ok(rating="1e309"))
    @example(pair=(mine, "request_material"), data=ok(comment="x" * 10001))
    @example(pair=(mine, "request_material"), data=ok(version="99999999999999999999"))
    @example(pair=(mine, "request_material"), data=ok(comment="\x00"))
    @example(pair=(cases["sibling"].number, "withdraw"), data=ok())
    def run(pair, data):
        number, action = pair
        target["number"] = number
        # A draft is addressed as draft-<id> until its submission gives it a number.
        case_id = fuzz.scalar("SELECT id FROM cases WHERE number = :n", n=number)
        if case_id is None and number.startswith("draft-") and number[6:].isdigit():
            case_id = int(number[6:])
        before = fuzz.count("SELECT count(*) FROM case_events WHERE case_id = :c AND action = :a", c=case_id, a=action)
        response, _sent = actor.post(f"/cases/{number}/actions/{action}", data)
        after = fuzz.count("SELECT count(*) FROM case_events WHERE case_id = :c AND action = :a", c=case_id, a=action)
        if response.status_code == 302:
            assert after == before + 1, f"{action} answered 302 without recording its event"
            assert who != "mediator", "a mediator took a workflow action"
        assert response.status_code in (302, 400, 403, 404, 409, 422), response.status_code

    run()
    fuzz.require_reached()


# ---- notes, messages, related cases ------------------------------------------------------------------

TEXTS = st.sampled_from(["请尽快处理", "  内部备注  ", "", " ", "x" * 10000, "x" * 10001, "<b>粗体</b>"])


@pytest.mark.parametrize(("path", "who"), [("notes", "caseworker"), ("notes", "applicant"), ("messages", "applicant")])
def test_notes_and_messages(world, fuzz, cases, path, who):
    actor = fuzz.actor(world.users[who])
    mine = cases["acknowledged"].number

    @FUZZ
    @given(number=number_of(cases), data=form({"text": TEXTS}))
    @example(number=mine, data=example_form(text="\x00"))
    @example(number=mine, data=example_form(text="x" * 10001))
    @example(number=cases["sibling"].number, data=example_form(text="你好"))
    def run(number, data):
        before = fuzz.count("SELECT count(*) FROM case_events")
        response, _sent = actor.post(f"/cases/{number}/{path}", data)
        if response.status_code == 302:
            assert fuzz.count("SELECT count(*) FROM case_events") == before + 1
            assert not (path == "notes" and who == "applicant"), "an applicant wrote an internal note"

    run()
    fuzz.require_reached()


def test_related_cases(world, fuzz, cases):
    actor = fuzz.actor(world.users["caseworker"])
    others = st.one_of(
        number_of(cases),
        st.sampled_from([cases["county"].number.lower(), f"  {cases['county'].number}  "]),
        SCALAR_JUNK,
    )
    mine = cases["acknowledged"].number

    @FUZZ
    @given(number=number_of(cases), data=form({"number": others}))
    @example(number=mine, data=example_form(number=mine))  # itself
    @example(number=mine, data=example_form(number=cases["sibling"].number))  # another centre's
    @example(number=mine, data=example_form(number=cases["drafts"][0].ref))  # an applicant's draft
    @example(number=mine, data=example_form(number="x" * 41))
    def run(number, data):
        response, _sent = actor.post(f"/cases/{number}/related", data)
        if response.status_code == 302:
            linked = fuzz.rows(
                "SELECT r.number FROM case_links l JOIN cases c ON c.id = l.case_id JOIN cases r ON r.id = l.related_id"
                " WHERE c.number = :n",
                n=number,
            )
            assert {n for (n,) in linked} & {cases["sibling"].number, cases["sibling draft"].number} == set()

    run()
    fuzz.require_reached()


# ---- evidence ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["applicant", "caseworker"])
def test_evidence_upload(world, fuzz, cases, who):
    actor = fuzz.actor(world.users[who])
    fields = {"description": st.sampled_from(["", "购买凭证", "x" * 300, "x" * 301]), "file": FILES}
    mine = cases["acknowledged"].number

    @FUZZ
    @given(number=number_of(cases), data=form(fields, extra=False))
    @example(number=mine, data=example_form(file=good_file()))
    @example(number=mine, data=example_form(file=[good_file(), (io.BytesIO(EXE), "b.pdf")]))
    @example(number=mine, data=example_form(file=[good_file() for _ in range(21)]))
    @example(number=mine, data=example_form(file="not a file"))
    @example(number=mine, data=example_form(file=good_file(), description=(io.BytesIO(b"x"), "d.txt")))
    @example(number=cases["closed"].number, data=example_form(file=good_file()))
    @example(number=cases["sibling"].number, data=example_form(file=good_file()))
    def run(number, data):
        before = fuzz.count("SELECT count(*) FROM attachments")
        files_before = len(fuzz.stored_files())
        response, sent = actor.post(f"/cases/{number}/evidence", data)
        if response.status_code == 302:
            sent_files = sent["file"] if isinstance(sent["file"], list) else [sent["file"]]
            chosen = [f for f in sent_files if isinstance(f, tuple) and f[1]]  # a part with no name is no file
            added = fuzz.count("SELECT count(*) FROM attachments") - before
            assert added == len(chosen) == len(fuzz.stored_files()) - files_before, (added, len(chosen))

    run()
    fuzz.require_reached()


# ---- the lists ------------------------------------------------------------------------------------------


def _filter_values(world) -> dict:
    """Each filter's usual values (ids of this world's centres and staff) and values that do not fit."""
    centres = [str(world.city.id), str(world.county.id)]
    people = [str(world.users[r].id) for r in ("caseworker", "supervisor")]
    return {
        **FILTERS,
        "centre": weighted(centres, [str(world.sibling.id), "0", "-1", "1.0", str(2**63)]),
        "first_responder": weighted(["me", "", *people], ["0", "x", str(world.sibling_caseworker.id), "99999999999"]),
        "owner": weighted(["me", "none", "", *people], ["0", "x", str(world.applicant.id), "99999999999"]),
    }


FILTERS = {
    "q": QUERY_TEXT,
    "state": weighted(STATES, ["bogus", "DRAFT"]),
    "kind": weighted(KINDS, ["bogus"]),
    "ip_type": weighted(IP_TYPES, ["bogus"]),
    "channel": weighted(CHANNELS, ["bogus"]),
    "centre": weighted(["1", "2", "3", "4", "5"], ["0", "999999", "-1", "1.0"]),
    "first_responder": weighted(["me", "", "1", "7"], ["0", "x", "99999999999"]),
    "owner": weighted(["me", "none", "", "7"], ["0", "x", "99999999999"]),
    "date_field": weighted(["submitted", "created"], ["closed", ""]),
    "date_from": weighted(["2025-01-01", "2026-01-01", ""], ["2026-02-30", "0001-01-01", "2026/01/01"]),
    "date_to": weighted(["2030-12-31", ""], ["1979-12-31", "3000-01-01", "tomorrow"]),
    "priority": weighted(["", "1", "2", "3"], ["4", "NaN", "-1"]),
    "sort": weighted(["newest", "oldest", "priority"], ["", "random"]),
    "cursor": weighted(
        ["n1700000000000000.1", "p2.1700000000000000.5", "o0.0"], ["n99999999999999999.9999999999", "%", "p9.1.1"]
    ),
}


def _filters(world):
    """Query strings: each filter absent four times out of five, else a value (sometimes junk) or several."""
    present = {name: fld(value, weight=5) for name, value in _filter_values(world).items()}
    maybe = {name: st.sampled_from([True, False, False, False, False]) for name in FILTERS}
    return st.builds(
        lambda values, shown: {k: v for k, v in values.items() if shown[k] and v is not OMIT},
        st.fixed_dictionaries(present),
        st.fixed_dictionaries(maybe),
    )


PINNED_QUERIES = [
    {"q": "\x00"},
    {"centre": str(2**63)},
    {"owner": str(2**31)},
    {"first_responder": "99999999999999999999"},
    {"date_from": "9999-12-31"},
    {"date_from": "2026-05-01", "date_to": "2026-04-01"},
    {"cursor": "n99999999999999999.1"},
    {"state": ["draft", "bogus"]},
    {"priority": "NaN"},
]


def pinned(test):
    """The queries above as explicit examples, tried on every run."""
    for query in reversed(PINNED_QUERIES):
        test = example(query=query)(test)
    return test


def _draft_link(case) -> str:
    """How a page links a draft (it has no number until it is submitted)."""
    return f'/cases/{case.ref}"'


def _out_of_scope(cases, who) -> set[str]:
    hidden = {cases["sibling"].number, _draft_link(cases["sibling draft"])}
    if who == "applicant":
        return hidden | {cases["county"].number}
    return hidden | {_draft_link(cases["draft"]), *(_draft_link(c) for c in cases["drafts"])}


@pytest.mark.parametrize("who", ["caseworker", "applicant", "fund_committee"])
def test_list_filters(world, fuzz, cases, who):
    actor = fuzz.actor(world.users[who])
    hidden = _out_of_scope(cases, who)

    @FUZZ
    @given(query=_filters(world))
    @pinned
    def run(query):
        response, _ = actor.get("/cases", query)
        status = response.status_code
        if has_nul(query):
            assert status == 400
        elif who == "applicant":  # an applicant's list has no filters: any query shows it
            assert status == 200
        else:
            assert status in (200, 422), status
        page = response.get_data(as_text=True)
        assert not [n for n in hidden if n in page], f"{who} was shown a case out of scope"

    run()


def test_csv_filters(world, fuzz, cases):
    actor = fuzz.actor(world.users["caseworker"])
    hidden = _out_of_scope(cases, "caseworker")

    @FUZZ
    @given(query=_filters(world))
    @pinned
    def run(query):
        response, _ = actor.get("/cases/export.csv", query)
        status = response.status_code
        if has_nul(query):
            assert status == 400
            return
        assert status in (200, 422), status
        if status == 200:
            text = response.get_data(as_text=True)
            assert text.startswith("\ufeff")
            rows = list(csv.reader(io.StringIO(text[1:])))
            assert rows and len({len(r) for r in rows}) == 1, "every row has the header's columns"
            shown = {row[0] for row in rows[1:]}
            assert not shown & hidden, f"the CSV shows cases out of scope: {shown & hidden}"
            assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    run()


def test_the_fixtures_are_what_the_properties_rely_on(world, cases, fuzz):
    """The fuzzed cases are in the states named (else the properties above could pass on an empty world)."""
    for state in STATES:
        assert cases[state].state.value == state
    assert fuzz.count("SELECT count(*) FROM cases") == len(STATES) + 3 + 3 + 3
    assert cases["consultation"].kind.value == "consultation"
    assert cases["county"].centre_id == world.county.id and cases["sibling"].centre_id == world.sibling.id
