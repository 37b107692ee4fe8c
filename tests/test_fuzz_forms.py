"""Property-based fuzzing of every form endpoint and of the list filters (Hypothesis).

Whatever a user or a client sends, the app never answers 5xx, and a refused
submission changes nothing in the database. A submission is refused when it
answers 4xx; the membership decision and account (de)activation views also
refuse with a 303 redirect and a flashed message, which must leave the
database as untouched as a 422.

Each test is one rolled-back transaction in which Hypothesis runs many
examples, so the rows of ``users``, ``enterprises``, ``enterprise_members``,
``centres`` and ``centre_settings`` are hashed before and after every example;
successful examples may change them, and the next example starts from the new
state. Users log in once per test (argon2 is slow), each client from its own
address so that the login rate limit (on in tests) is never what answers.

Every field value is drawn from a mix of a valid value, nothing, random
unicode text (NUL and control characters included), strings at and beyond the
length limits, numeric edge cases ("NaN", "1e309", 20-digit numbers, ...),
SQL/LIKE metacharacters, several values for one field, unknown extra fields,
and url-encoded or multipart bodies. ``FUZZ_MAX_EXAMPLES`` sets the number of
examples per endpoint (default 30).

Inputs that once answered 500 are pinned as explicit ``@example``s, so that they
are tried on every run (first, and without shrinking) whatever the random draw.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
from collections import Counter
from io import BytesIO

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.helpers import PASSWORD, csrf_token, examples, valid_credit_code

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES") or examples(30))

FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis directory in the project
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

TABLES = ("users", "enterprises", "enterprise_members", "centres", "centre_settings")
# A refused login still counts the failure (and may lock the account): that write is by design.
LOGIN_BOOKKEEPING = frozenset({"users.failed_login_count", "users.locked_until"})

INDUSTRIES = [
    "agriculture", "industry", "construction", "wholesale", "retail", "transport", "warehousing", "postal",
    "accommodation", "catering", "information_transmission", "software_it", "real_estate_development",
    "property_management", "leasing_business", "other",
]  # fmt: skip
SIZES = ["large", "medium", "small", "micro"]
LEVELS = ["national", "provincial", "municipal", "county", "sub_centre", "workstation"]
STAFF_ROLES = ["caseworker", "mediator", "supervisor", "fund_committee", "admin"]
# Ids beyond PostgreSQL's integer (2**31) and SQLite's (2**63) ranges; Werkzeug's int converter lets them through.
HUGE_IDS = [0, 2**31, 2**63, 99999999999999999999]


# ---- markers resolved when the request is sent ----------------------------------------------


class Marker:
    def __init__(self, label: str):
        self.label = label

    def __repr__(self) -> str:
        return self.label


OMIT = Marker("<omitted>")


class Live(Marker):
    """A valid value that depends on the database at the time of sending (a version, a password)."""

    def __init__(self, label: str, fn):
        super().__init__(f"<{label}>")
        self.fn = fn


class Same(Marker):
    """The value finally sent for another field (a password confirmation)."""

    def __init__(self, field: str):
        super().__init__(f"<same as {field}>")
        self.field = field


def resolve(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        if value is OMIT:
            continue
        out[key] = str(value.fn()) if isinstance(value, Live) else value
    for key, value in list(out.items()):
        if isinstance(value, Same):
            if value.field in out:
                out[key] = out[value.field]
            else:
                del out[key]
    return out


def short(value, limit: int = 60) -> str:
    """A readable repr of an input: long strings are abbreviated with their length."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(short(v) for v in value) + "]"
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}…(len {len(value)})"
    return repr(value)


# ---- strategies ------------------------------------------------------------------------------

NUMERIC_EDGES = [
    "-1", "0", "-0", "+5", "1.5", " 12 ", "1,000", "1_000", "0x10", "1e309", "-1e309", "1e-400", "1e-99999",
    "NaN", "nan", "sNaN", "-NaN", "Infinity", "-Infinity", "inf", "99999999999999999999",
    "-99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "2147483648", "10000001", "999999999999.99", "999999999999.999", "999999999999.995", "1000000000000",
    "0.001", "１２", "١٢", "²", "½", "12abc",
]  # fmt: skip
NASTY = [
    "%", "_", "\\", "'", '"', "%_\\'\"", "%%", "\\%", "' OR '1'='1", "'; DROP TABLE users; --", "\x00", "a\x00b",
    "%00", "😀" * 40, "\u202e\u202d", "\r\n", "\n", "<script>alert(1)</script>", "{{ 7*7 }}", "%(name)s", "{0}",
    "http://[", "//[", "//evil.example/", "/\r\nSet-Cookie: x=1", "/\x00", "javascript:alert(1)", " ", "\t",
    "İ" * 60, "ß" * 60, "\ufeff", "NULL", "None", "true", "[]", "admin@city.cn", "ＡＢＣ", "\ud7ff\ue000",
]  # fmt: skip
LONG = st.builds(
    lambda ch, n: ch * n,
    st.sampled_from(["x", "中", "\x00", "%", "😀", "_", "9", " ", "A"]),
    st.sampled_from([12, 13, 18, 19, 30, 31, 99, 100, 101, 128, 129, 200, 201, 254, 255, 300, 301, 5000]),
)
SCALAR_JUNK = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), min_size=1, max_size=10),
    st.sampled_from(NUMERIC_EDGES),
    st.sampled_from(NASTY),
    LONG,
)
JUNK = st.one_of(SCALAR_JUNK, st.just(OMIT), st.lists(SCALAR_JUNK, min_size=2, max_size=3))
BOOL = st.sampled_from(["y", OMIT])
EXTRA_NAMES = [
    "role", "is_active", "centre_id", "id", "user_id", "email", "password_hash", "session_nonce", "version",
    "status", "size_class", "is_admin", "failed_login_count", "locked_until", "credit_code", "next", "submit",
    "parent_id", "code", "decided_by_id", "enterprise_id", "locale",
]  # fmt: skip


def fld(valid, weight: int = 2):
    """Valid ``weight`` times out of ``weight + 1``, junk otherwise.

    (A choice among labels rather than ``st.integers``: Hypothesis favours the bounds of integer ranges.)
    """
    return st.sampled_from(["valid"] * weight + ["junk"]).flatmap(lambda pick: valid if pick == "valid" else JUNK)


def form(fields: dict, *, extra: bool = True):
    """A form: all valid, all valid but one field (twice as likely), or every field mixed; plus unknown fields
    and an encoding (url-encoded or multipart)."""
    names = list(fields)
    all_valid = st.fixed_dictionaries(fields)
    if not names:
        base = all_valid
    one_bad = st.sampled_from(names or [None]).flatmap(
        lambda bad: st.fixed_dictionaries({n: (JUNK if n == bad else s) for n, s in fields.items()})
    )
    mixed = st.fixed_dictionaries({n: fld(s) for n, s in fields.items()})
    if names:
        base = st.one_of(all_valid, one_bad, one_bad, mixed)
    extras = (
        st.dictionaries(
            st.one_of(st.sampled_from(EXTRA_NAMES), st.text(min_size=1, max_size=12)).filter(
                lambda k: k not in fields and k != "csrf_token"
            ),
            SCALAR_JUNK,
            max_size=3,
        )
        if extra
        else st.just({})
    )
    return st.builds(lambda b, e, multipart: {**e, **b, "__multipart__": multipart}, base, extras, st.booleans())


def money():
    return st.decimals(min_value=0, max_value=10**12 - 1, places=2, allow_nan=False, allow_infinity=False).map(
        lambda d: f"{d:f}"
    )


def new_password():
    return st.integers(0, 10**6).map(lambda n: f"Fuzz-Horse-{n}-Battery")


def ids(*valid, weight: int = 6):
    """Mostly one of the ``valid`` ids, sometimes an absent or out-of-range one."""
    return st.sampled_from(["valid"] * weight + ["odd"]).flatmap(
        lambda pick: st.sampled_from(valid) if pick == "valid" else st.sampled_from(HUGE_IDS)
    )


def example_form(**fields):
    """An explicit example: the fields as given, url-encoded."""
    return {**fields, "__multipart__": False}


# ---- the harness -----------------------------------------------------------------------------

_addresses = itertools.count(1)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


class Harness:
    tables = TABLES  # the tables hashed before and after each request (tests/cases adds the case tables)
    order_by: dict[str, str] = {}  # a table's key when it has no ``id`` column

    def __init__(self, app):
        from app.extensions import db

        self.app = app
        self.db = db
        self.capture = _Capture()
        self.statuses: Counter[int] = Counter()

    # -- database --

    @property
    def connection(self):
        return self.db.session_factory.kw["bind"]  # the test's connection (see conftest._isolated)

    def scalar(self, sql: str, **params):
        return self.connection.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params):
        return [tuple(r) for r in self.connection.execute(text(sql), params)]

    def snapshot(self, ignore=frozenset()):
        snap = {}
        for table in self.tables:
            result = self.connection.execute(text(f"SELECT * FROM {table} ORDER BY {self.order_by.get(table, 'id')}"))
            keys = list(result.keys())
            keep = [i for i, k in enumerate(keys) if f"{table}.{k}" not in ignore]
            rows = [tuple(row[i] for i in keep) for row in result]
            snap[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest(), rows)
        return snap

    def diff(self, before, after) -> str:
        lines = []
        for table in self.tables:
            (n0, h0, r0), (n1, h1, r1) = before[table], after[table]
            if h0 != h1:
                gone = [r for r in r0 if r not in r1][:3]
                new = [r for r in r1 if r not in r0][:3]
                lines.append(f"  {table}: {n0} -> {n1} rows; before {gone!r}; after {new!r}")
        return "\n".join(lines)

    def counts(self):
        return {t: self.scalar(f"SELECT count(*) FROM {t}") for t in self.tables}

    # -- clients --

    def address(self) -> str:
        n = next(_addresses)
        return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

    def anonymous(self, token_url: str = "/login"):
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = self.address()
        client.fuzz_token = csrf_token(client, token_url)
        return client

    def actor(self, user, password: str = PASSWORD) -> Actor:
        return Actor(self, user, password)

    def last_error(self) -> str:
        if not self.capture.records:
            return "(nothing logged)"
        record = self.capture.records[-1]
        trace = logging.Formatter().formatException(record.exc_info) if record.exc_info else record.getMessage()
        return "\n".join(trace.splitlines()[-12:])

    # -- the property --

    def send(self, client, method: str, url: str, *, data=None, query=None, refused=None, ignore=frozenset()):
        """Send one request; assert no 5xx, and no change at all when it was refused.

        Returns the response and the fields actually sent.
        """
        refused = refused or (lambda status: status >= 400)
        sent = resolve(data or {})
        multipart = sent.pop("__multipart__", False)
        label = f"{method} {url}" + (f" ?{short(query)}" if query else "") + (" (multipart)" if multipart else "")
        note(f"{label} {short(sent)}")
        before = self.snapshot(ignore)
        self.capture.records.clear()
        try:
            if method == "GET":
                response = client.get(url, query_string=query)
            else:
                body = {**sent, "csrf_token": client.fuzz_token}
                kwargs = {"content_type": "multipart/form-data"} if multipart else {}
                response = client.post(url, data=body, query_string=query, **kwargs)
        except Exception as exc:  # an exception escaping the app's error handlers is a 500 in production
            pytest.fail(f"{label} raised {exc!r}\n  input: {short(sent)}")
        status = response.status_code
        # A NUL character is refused up front with 400 (app/core/requests.py); other 400s mean CSRF failed.
        self.statuses["400 (NUL refused)" if status == 400 and has_nul(sent, query) else status] += 1
        assert status < 500, f"{label} answered {status}\n  input: {short(sent)}\n{self.last_error()}"
        if refused(status):
            after = self.snapshot(ignore)
            assert after == before, (
                f"{label} answered {status} but changed the database\n  input: {short(sent)}\n"
                f"{self.diff(before, after)}"
            )
        return response, sent

    def require_reached(self, allowed=()):
        """The examples reached the views: no CSRF failure (400) and no rate limiting (429)."""
        assert sum(self.statuses.values()) > 0
        unexpected = {s: n for s, n in self.statuses.items() if s in (400, 429) and s not in allowed}
        assert not unexpected, f"some examples never reached the view: {dict(self.statuses)}"


def has_nul(*values) -> bool:
    """True when a NUL character is anywhere in the (nested) values sent."""
    for value in values:
        if isinstance(value, str) and "\x00" in value:
            return True
        if isinstance(value, dict) and has_nul(*value.keys(), *value.values()):
            return True
        if isinstance(value, list | tuple) and has_nul(*value):
            return True
    return False


class Actor:
    """A logged-in client; logs in again when its session was ended (nonce rotated)."""

    def __init__(self, harness: Harness, user, password: str):
        self.h = harness
        self.user_id = user.id
        self.email = user.email
        self.password = password
        self.login()

    def login(self):
        client = self.h.anonymous("/login")
        response = client.post(
            "/login", data={"email": self.email, "password": self.password, "csrf_token": client.fuzz_token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        self.client = client
        self.adopt()

    def adopt(self):
        """Take the session the client has now (after the view started a new one)."""
        self.nonce = self.h.scalar("SELECT session_nonce FROM users WHERE id = :id", id=self.user_id)
        self.client.fuzz_token = csrf_token(self.client, "/account")

    def ensure(self):
        if self.h.scalar("SELECT session_nonce FROM users WHERE id = :id", id=self.user_id) != self.nonce:
            self.login()

    def post(self, url, data, **kw):
        self.ensure()
        return self.h.send(self.client, "POST", url, data=data, **kw)

    def get(self, url, query, **kw):
        self.ensure()
        return self.h.send(self.client, "GET", url, query=query, refused=lambda s: True, **kw)


@pytest.fixture
def fuzz(app):
    harness = Harness(app)
    app.logger.addHandler(harness.capture)
    yield harness
    app.logger.removeHandler(harness.capture)


# ---- anonymous forms -------------------------------------------------------------------------


def test_login(world, fuzz):
    emails = [u.email for u in world.users.values()] + ["nobody@example.cn", world.province_admin.email]
    strategy = form(
        {
            "email": st.sampled_from(emails + [emails[0].upper(), f"  {emails[1]} "]),
            "password": st.sampled_from([PASSWORD, PASSWORD, "Wrong-Horse-8"]),
            "remember": BOOL,
        }
    )
    nexts = st.one_of(st.just(None), st.sampled_from(["/", "/enterprises", "/account?x=1"]), SCALAR_JUNK)
    good = example_form(email="mediator@city.cn", password=PASSWORD)

    @FUZZ
    @given(data=strategy, next_=nexts)
    @example(data=example_form(email="a\x00b@example.cn", password="x"), next_=None)
    @example(data=good, next_="http://[")
    @example(data=good, next_="/enterprises\r\nSet-Cookie: x=1")
    def run(data, next_):
        client = fuzz.anonymous("/login")
        query = {"next": next_} if next_ is not None else None
        fuzz.send(client, "POST", "/login", data=data, query=query, ignore=LOGIN_BOOKKEEPING)

    run()
    fuzz.require_reached()


def _enterprise_fields(centre_ids):
    return {
        "name": st.sampled_from(["测试科技有限公司", "A & B 'Ltd' %_", "  深圳市某某有限公司  "]),
        "address": st.sampled_from(["", "广东省深圳市南山区科技园", "1 Main St"]),
        "region": st.sampled_from(["", "广东省深圳市南山区"]),
        "industry": st.sampled_from(INDUSTRIES),
        "staff_count": st.integers(0, 10_000_000).map(str),
        "revenue_wan": money(),
        "assets_wan": st.one_of(money(), st.just("")),
        "centre_id": st.sampled_from(centre_ids).map(str),
        "is_specialised_new": BOOL,
        "is_little_giant": BOOL,
        "is_in_hardship": BOOL,
    }


def _enterprise_example(centre_id):
    """Valid enterprise fields, for explicit examples."""
    return {
        "name": "示例科技有限公司",
        "industry": "construction",
        "staff_count": "10",
        "revenue_wan": "100",
        "assets_wan": "100",
        "centre_id": str(centre_id),
    }


def test_register(world, fuzz):
    code = world.enterprise.credit_code
    centres = [world.city.id, world.county.id, world.province.id, world.other_province.id]
    fields = {
        "full_name": st.sampled_from(["张三", "Li Si", "  王五  "]),
        "email": st.one_of(st.integers(0, 10**6).map(lambda n: f"reg{n}@example.cn"), st.just(world.applicant.email)),
        "phone": st.sampled_from(["", "13800138000", "+86 755 1234 5678"]),
        "password": st.just(PASSWORD),
        "confirm": st.just(Same("password")),
        "position": st.sampled_from(["", "总经理"]),
        "privacy_consent": st.just("y"),
        "credit_code": st.one_of(
            st.integers(10**6, 10**9).map(valid_credit_code),
            st.sampled_from([code, code.lower(), f" {code[:9]} {code[9:]} "]),
        ),
        **_enterprise_fields(centres),
    }

    def ok(**over):
        person = {"full_name": "张三", "email": "example@example.cn", "password": PASSWORD, "confirm": PASSWORD}
        person["privacy_consent"] = "y"
        fields = {**person, "credit_code": valid_credit_code(5), **_enterprise_example(world.city.id)}
        return example_form(**{**fields, **over})

    @FUZZ
    @given(data=form(fields))
    @example(data=ok(credit_code=" "))
    @example(data=ok(revenue_wan="NaN"))
    @example(data=ok(assets_wan="sNaN"))
    @example(data=ok(assets_wan="1e309"))
    @example(data=ok(revenue_wan="999999999999.999"))
    @example(data=ok(name="测试\x00公司"))
    def run(data):
        client = fuzz.anonymous("/register")  # a success logs the client in: a new one every time
        before = fuzz.counts()
        email = str(data.get("email", "")).strip().lower()
        taken = fuzz.scalar("SELECT count(*) FROM users WHERE lower(email) = :email", email=email)
        response, _sent = fuzz.send(client, "POST", "/register", data=data)
        if response.status_code < 400:
            after = fuzz.counts()
            assert response.status_code == 302
            if taken:
                # An address that has an account (the applicant's, or one registered by an earlier
                # example) creates nothing and is not told apart by an error
                # (tests/enterprises/test_registration_disclosure.py).
                assert after == before, (before, after)
                return
            assert after["users"] == before["users"] + 1, (before, after)
            assert after["enterprise_members"] == before["enterprise_members"] + 1, (before, after)
            assert after["enterprises"] - before["enterprises"] in (0, 1), (before, after)

    run()
    fuzz.require_reached()


def test_raw_bodies_to_register(world, fuzz):
    """Non-UTF-8 bytes, broken percent-encoding and broken multipart bodies get a 4xx, never a 5xx."""
    bodies = [
        ("application/x-www-form-urlencoded", b"email=\xff\xfe\xfd&full_name=\xc3\x28&password=\x80\x81"),
        ("application/x-www-form-urlencoded", b"email=%ff%fe&full_name=%zz&phone=%&position=%e4%b8&name=%c3%28"),
        ("application/x-www-form-urlencoded", b"%%%%&&&===&=&staff_count=%00%00&revenue_wan=1e309"),
        ("application/x-www-form-urlencoded; charset=latin-1", "full_name=Jürgen&email=jü@x.cn".encode("latin-1")),
        ("application/x-www-form-urlencoded", b"\x00" * 2000),
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nx"),
        ("multipart/form-data", b"--abc\r\n\r\n"),
        ("multipart/form-data; boundary=", b"garbage"),
        ("multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\n\xfe\r\n--b--\r\n"),
        ("text/plain", b"email=a@b.cn"),
        ("application/json", b'{"email": "a@b.cn"'),
    ]  # fmt: skip
    for with_token in (False, True):
        for content_type, body in bodies:
            client = fuzz.anonymous("/register")
            if with_token:  # the session's valid token, so that the view itself sees the broken fields
                token = client.fuzz_token.encode()
                if "urlencoded" in content_type:
                    body = body + b"&csrf_token=" + token
                elif "boundary=b" in content_type:
                    body = b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token + b"\r\n" + body
            before = fuzz.snapshot()
            fuzz.capture.records.clear()
            response = client.post("/register", data=body, content_type=content_type)
            assert 400 <= response.status_code < 500, (
                f"{content_type} {body[:80]!r} answered {response.status_code}\n{fuzz.last_error()}"
            )
            assert fuzz.snapshot() == before


@pytest.mark.parametrize("url", ["/register", "/login"])
def test_file_in_a_text_field(world, fuzz, url):
    """A multipart body that sends a file where a text field is expected is refused (4xx)."""
    client = fuzz.anonymous(url)
    before = fuzz.snapshot()
    response = client.post(
        url,
        data={
            "csrf_token": client.fuzz_token,
            "email": (BytesIO(b"a@example.cn"), "email.txt"),
            "full_name": "多部分",
            "password": (BytesIO(b"\xff\xfe not text"), "password.bin"),
            "credit_code": (BytesIO(b"\x00" * 100), "code.txt"),
            "staff_count": "1",
        },
        content_type="multipart/form-data",
    )
    assert 400 <= response.status_code < 500, f"POST {url} answered {response.status_code}\n{fuzz.last_error()}"
    assert fuzz.snapshot() == before


# ---- logged-in users ---------------------------------------------------------------------------


def test_account(world, fuzz):
    actor = fuzz.actor(world.users["caseworker"])
    fields = {
        "current_password": st.just(Live("current password", lambda: actor.password)),
        "password": new_password(),
        "confirm": st.just(Same("password")),
    }

    @FUZZ
    @given(data=form(fields))
    def run(data):
        response, sent = actor.post("/account", data)
        if response.status_code < 400:
            actor.password = sent["password"]
            actor.adopt()

    run()
    fuzz.require_reached()


def test_language(world, fuzz):
    actor = fuzz.actor(world.applicant)
    fields = {"locale": st.sampled_from(["zh_CN", "en"]), "next": st.sampled_from(["/", "/enterprise", "/account"])}

    @FUZZ
    @given(data=form(fields), anonymous=st.booleans())
    @example(data=example_form(locale="en", next="http://["), anonymous=True)
    @example(data=example_form(locale="en", next="/enterprise\r\nSet-Cookie: x=1"), anonymous=False)
    def run(data, anonymous):
        if anonymous:
            fuzz.send(fuzz.anonymous("/login"), "POST", "/language", data=data)
        else:
            actor.post("/language", data)

    run()
    fuzz.require_reached()


def test_join_enterprise(world, fuzz, make_user):
    from app.auth.models import Role

    actor = fuzz.actor(make_user(Role.APPLICANT, email="joiner@example.cn"))
    code = world.enterprise.credit_code
    fields = {
        "credit_code": st.sampled_from(
            [code, code.lower(), f"{code[:6]} {code[6:]}", world.other_enterprise.credit_code, valid_credit_code(7)]
        ),
        "position": st.sampled_from(["", "法务"]),
    }

    @FUZZ
    @given(data=form(fields))
    @example(data=example_form(credit_code=" "))
    def run(data):
        actor.post("/enterprise/join", data)

    run()
    fuzz.require_reached()


@pytest.mark.parametrize("who", ["applicant", "caseworker"])
def test_enterprise_edit(world, fuzz, who):
    if who == "applicant":
        actor = fuzz.actor(world.applicant)
        targets = [world.enterprise.id] * 3 + [world.other_enterprise.id]
        centres = [world.city.id, world.county.id, world.sibling.id, world.other_province.id]
    else:
        actor = fuzz.actor(world.users["caseworker"])
        targets = [world.enterprise.id] * 3 + [world.county_enterprise.id] * 2 + [world.other_enterprise.id]
        centres = [world.city.id, world.county.id]
    target = {}  # the enterprise of the current example, for its current version

    def current_version():
        if target["id"] not in targets:
            return 1
        return fuzz.scalar("SELECT version FROM enterprises WHERE id = :i", i=target["id"])

    version = Live("version", current_version)
    fields = {**_enterprise_fields(centres), "version": st.sampled_from([version, version, ""])}
    mine = world.enterprise.id

    def ok(**over):
        return example_form(**{**_enterprise_example(world.city.id), "version": version, **over})

    @FUZZ
    @given(enterprise_id=ids(*targets), data=form(fields))
    @example(enterprise_id=mine, data={**ok(), "version": OMIT})
    @example(enterprise_id=mine, data=ok(version="²"))
    @example(enterprise_id=mine, data=ok(revenue_wan="NaN"))
    @example(enterprise_id=mine, data=ok(revenue_wan="999999999999.999"))
    @example(enterprise_id=mine, data=ok(assets_wan="1e309"))
    @example(enterprise_id=mine, data=ok(name="\x00"))
    @example(enterprise_id=2**31, data=ok())
    @example(enterprise_id=2**63, data=ok())
    def run(enterprise_id, data):
        target["id"] = enterprise_id
        actor.post(f"/enterprises/{enterprise_id}/edit", data)

    run()
    fuzz.require_reached()


@pytest.mark.parametrize("who", ["applicant", "caseworker"])
def test_membership_decisions(world, fuzz, make_user, session, who):
    from app.auth.models import Role
    from app.enterprises.models import EnterpriseMember, MembershipStatus

    def pending(enterprise):
        member = EnterpriseMember(
            enterprise=enterprise, user=make_user(Role.APPLICANT), status=MembershipStatus.PENDING
        )
        session.add(member)
        session.commit()
        return member.id

    mine = [pending(world.enterprise) for _ in range(4)]
    county = pending(world.county_enterprise)
    foreign = pending(world.other_enterprise)
    active = fuzz.scalar("SELECT id FROM enterprise_members WHERE user_id = :u", u=world.applicant.id)
    actor = fuzz.actor(world.applicant if who == "applicant" else world.users["caseworker"])
    pairs = [(world.enterprise.id, m) for m in mine] + [
        (world.enterprise.id, active),
        (world.county_enterprise.id, county),
        (world.other_enterprise.id, foreign),
    ]
    enterprises = [world.enterprise.id, world.county_enterprise.id, world.other_enterprise.id]
    mismatched = st.tuples(ids(*enterprises, weight=1), ids(*mine, county, foreign, active, weight=1))
    target = st.sampled_from(["pair"] * 3 + ["odd"]).flatmap(
        lambda pick: st.sampled_from(pairs) if pick == "pair" else mismatched
    )

    @FUZZ
    @given(target=target, decision=st.sampled_from(["approve", "reject"]), data=form({}))
    @example(target=(world.enterprise.id, 2**31), decision="approve", data=example_form())
    @example(target=(world.enterprise.id, 2**63), decision="approve", data=example_form())
    def run(target, decision, data):
        enterprise_id, member_id = target
        actor.post(
            f"/enterprises/{enterprise_id}/members/{member_id}/{decision}",
            data,
            refused=lambda s: s >= 400 or s == 303,
        )

    run()
    fuzz.require_reached()


# ---- administration ---------------------------------------------------------------------------


def _centre_fields(world):
    # Mostly a parent within the city admin's reach and a level that fits below it.
    parents = [world.city.id, world.city.id, world.county.id, world.province.id, world.sibling.id, 0]
    levels = ["county", "county", "sub_centre", "workstation"] + LEVELS
    return {
        "name_zh": st.sampled_from(["测试维权援助中心", "  某区工作站 "]),
        "name_en": st.sampled_from(["Test centre", "O'Brien & Co %_"]),
        "level": st.sampled_from(levels),
        "parent_id": st.sampled_from(parents).map(str),
        "region": st.sampled_from(["", "广东省"]),
        "address": st.sampled_from(["", "某路1号"]),
        "phone": st.sampled_from(["", "0755-12345678"]),
        "is_active": st.sampled_from(["y", "y", OMIT]),
    }


def test_centre_new(world, fuzz):
    actor = fuzz.actor(world.users["admin"])
    code = st.one_of(
        st.from_regex(r"[A-Z][A-Z0-9]{1,11}", fullmatch=True), st.sampled_from(["CA", "ca", " sz ", "CAC"])
    )
    fields = {"code": code, **_centre_fields(world)}
    nul = example_form(code="NUL", name_zh="\x00", name_en="x", level="county", parent_id=str(world.city.id))

    @FUZZ
    @given(data=form(fields))
    @example(data=nul)
    def run(data):
        actor.post("/admin/centres/new", data)

    run()
    fuzz.require_reached()


def test_centre_edit(world, fuzz):
    actor = fuzz.actor(world.users["admin"])
    targets = [world.county.id] * 3 + [world.city.id, world.province.id, world.sibling.id]
    ok = example_form(name_zh="县中心", name_en="County", level="county", parent_id=str(world.city.id), is_active="y")

    @FUZZ
    @given(centre_id=ids(*targets), data=form(_centre_fields(world)))
    @example(centre_id=2**31, data=ok)
    @example(centre_id=2**63, data=ok)
    def run(centre_id, data):
        actor.post(f"/admin/centres/{centre_id}/edit", data)

    run()
    fuzz.require_reached()


def test_centre_settings(world, fuzz):
    from app.centres.settings import SETTINGS

    actor = fuzz.actor(world.users["admin"])
    fields = {d.key: st.one_of(st.integers(d.minimum, d.maximum or 10**7).map(str), st.just("")) for d in SETTINGS}
    targets = [world.county.id, world.county.id, world.city.id, world.province.id]

    @FUZZ
    @given(centre_id=ids(*targets), data=form(fields))
    @example(centre_id=world.county.id, data=example_form(fund_annual_cap_yuan=str(2**63)))
    @example(centre_id=2**31, data=example_form())
    @example(centre_id=2**63, data=example_form())
    def run(centre_id, data):
        actor.post(f"/admin/centres/{centre_id}/settings", data)

    run()
    fuzz.require_reached()


def _calendar_lines(year: int, weekend: bool):
    """Lines of a calendar list: mostly ``YYYY-MM-DD name`` of the year (weekends for make-up days),
    sometimes a range, a comment, another year's date or junk."""
    from datetime import date, timedelta

    days = [date(year, 1, 1) + timedelta(days=n) for n in range(365)]
    wanted = [d for d in days if (d.weekday() >= 5) == weekend]
    line = st.one_of(
        st.tuples(st.sampled_from(wanted), st.sampled_from(["元旦", "春节", "", "x" * 61])).map(
            lambda t: f"{t[0].isoformat()} {t[1]}"
        ),
        st.sampled_from(wanted).map(lambda d: f"{d.isoformat()}..{(d + timedelta(days=6)).isoformat()} 国庆节"),
        st.sampled_from([f"# {year}", f"{year - 1}-12-31 跨年", f"{year}-02-30", f"{year}/10/01", "..", " "]),
        SCALAR_JUNK,
    )
    return st.lists(line, max_size=6).map("\n".join)


def test_calendar_entry(world, fuzz, make_centre, make_user):
    from app.auth.models import Role
    from app.centres.models import CentreLevel

    fuzz.tables = (*TABLES, "calendar_years", "calendar_days", "case_clocks")
    fuzz.order_by = {"calendar_years": "year", "calendar_days": "day"}
    # Only an administrator of the national centre enters the calendar (the others get 403).
    national = make_centre("CN", level=CentreLevel.NATIONAL)
    actor = fuzz.actor(make_user(Role.ADMIN, centre=national, email="admin@national.cn"))
    fields = {
        "year": st.sampled_from(["2099", "2099", "2098", "1999", "2101", "0"]),
        "holidays": _calendar_lines(2099, weekend=False),
        "workdays": _calendar_lines(2099, weekend=True),
        "note": st.sampled_from(["", "国办发明电〔2098〕7号", "x" * 301]),
    }

    @FUZZ
    @given(data=form(fields))
    @example(data=example_form(year="2099", holidays="2099-01-01 元旦", workdays="2099-01-03 调休"))
    @example(data=example_form(year="2099", holidays="2099-01-01..2099-01-31 太长", workdays=""))
    @example(data=example_form(year="2099", holidays="2099-01-01 \x00", workdays=""))
    @example(data=example_form(year="99999999999999999999", holidays="2099-01-01", workdays=""))
    def run(data):
        actor.post("/admin/calendar/edit", data)

    run()
    fuzz.require_reached()


def _staff_fields(world):
    return {
        "full_name": st.sampled_from(["李四", "  O'Neil %_ "]),
        "phone": st.sampled_from(["", "13900139000"]),
        "role": st.sampled_from(STAFF_ROLES * 2 + ["applicant"]),
        "centre_id": st.sampled_from([world.city.id, world.county.id] * 2 + [world.sibling.id]).map(str),
    }


def test_user_new(world, fuzz):
    actor = fuzz.actor(world.users["admin"])
    fields = {
        "email": st.one_of(st.integers(0, 10**6).map(lambda n: f"staff{n}@example.cn"), st.just("caseworker@city.cn")),
        **_staff_fields(world),
        "password": new_password(),
        "confirm": st.just(Same("password")),
    }
    nul = example_form(
        email="nul@example.cn",
        full_name="李\x00四",
        role="caseworker",
        centre_id=str(world.city.id),
        password="Fuzz-Horse-1-Battery",
        confirm="Fuzz-Horse-1-Battery",
    )

    @FUZZ
    @given(data=form(fields))
    @example(data=nul)
    def run(data):
        actor.post("/admin/users/new", data)

    run()
    fuzz.require_reached()


def test_user_edit(world, fuzz):
    admin = world.users["admin"]
    actor = fuzz.actor(admin)
    staff = [world.users[r].id for r in ("caseworker", "mediator", "supervisor", "fund_committee")]
    targets = staff * 2 + [admin.id, world.sibling_caseworker.id, world.province_admin.id, world.applicant.id]
    fixed = "SELECT id, email, password_hash, is_active, created_at FROM users ORDER BY id"
    ok = example_form(full_name="李四", role="mediator", centre_id=str(world.city.id))

    @FUZZ
    @given(user_id=ids(*targets), data=form(_staff_fields(world)))
    @example(user_id=2**31, data=ok)
    @example(user_id=2**63, data=ok)
    def run(user_id, data):
        before = fuzz.rows(fixed)
        actor.post(f"/admin/users/{user_id}/edit", data)
        assert fuzz.rows(fixed) == before, "the edit changed an e-mail, password, activity or creation time"
        # The admin may move themselves to the county centre (allowed); move them back so that the
        # next examples are not all 404 for lack of reach.
        fuzz.connection.execute(
            text("UPDATE users SET centre_id = :c WHERE id = :i"), {"c": world.city.id, "i": admin.id}
        )

    run()
    fuzz.require_reached()


def test_user_password_reset(world, fuzz):
    actor = fuzz.actor(world.users["admin"])
    targets = [world.users["caseworker"].id, world.users["mediator"].id] * 2 + [
        world.sibling_caseworker.id,
        world.province_admin.id,
        world.applicant.id,
    ]
    fields = {"reset-password": new_password(), "reset-confirm": st.just(Same("reset-password"))}
    ok = example_form(**{"reset-password": "Fuzz-Horse-2-Battery", "reset-confirm": "Fuzz-Horse-2-Battery"})

    @FUZZ
    @given(user_id=ids(*targets), data=form(fields))
    @example(user_id=2**31, data=ok)
    @example(user_id=2**63, data=ok)
    def run(user_id, data):
        actor.post(f"/admin/users/{user_id}/password", data)

    run()
    fuzz.require_reached()


def test_user_activation(world, fuzz):
    admin = world.users["admin"]
    actor = fuzz.actor(admin)
    targets = [world.users["caseworker"].id, world.users["mediator"].id] * 2 + [
        admin.id,
        world.sibling_caseworker.id,
        world.province_admin.id,
        world.applicant.id,
    ]

    @FUZZ
    @given(user_id=ids(*targets), action=st.sampled_from(["activate", "deactivate"]), data=form({}))
    @example(user_id=2**31, action="deactivate", data=example_form())
    @example(user_id=2**63, action="deactivate", data=example_form())
    def run(user_id, action, data):
        actor.post(f"/admin/users/{user_id}/{action}", data, refused=lambda s: s >= 400 or s == 303)

    run()
    fuzz.require_reached()


# ---- list filters ------------------------------------------------------------------------------

QUERY_TEXT = st.one_of(st.sampled_from(["", "企业", "有限", "91", "%", "_", "\\", "'", "%_\\'\""]), SCALAR_JUNK)
QUERY_ID = st.one_of(st.integers(0, 200).map(str), st.sampled_from(NUMERIC_EDGES), SCALAR_JUNK)


def _query(fields: dict):
    """Query parameters: each one absent, one value or several, plus unknown parameters."""
    unknown = st.dictionaries(st.sampled_from(["page", "sort", "q[]", "after[]", "\x00", "%"]), SCALAR_JUNK, max_size=2)
    params = st.fixed_dictionaries(
        {k: st.one_of(st.just(OMIT), v, st.lists(v, min_size=2, max_size=3)) for k, v in fields.items()}
    )
    return st.builds(lambda p, u: {**u, **{k: v for k, v in p.items() if v is not OMIT}}, params, unknown)


@pytest.mark.parametrize("who", ["caseworker", "admin"])
def test_enterprise_list_filters(world, fuzz, who):
    actor = fuzz.actor(world.users[who])
    strategy = _query(
        {
            "q": QUERY_TEXT,
            "size": st.one_of(st.sampled_from(SIZES), SCALAR_JUNK),
            "industry": st.one_of(st.sampled_from(INDUSTRIES), SCALAR_JUNK),
            "after": QUERY_ID,
        }
    )

    @FUZZ
    @given(query=strategy)
    @example(query={"q": "\x00"})
    @example(query={"after": str(2**31)})
    @example(query={"after": str(2**63)})
    def run(query):
        response, _ = actor.get("/enterprises", query)
        # Any filter value is answered with the list, except a NUL character, refused with 400.
        assert response.status_code == (400 if has_nul(query) else 200), response.status_code

    run()


def test_user_list_filters(world, fuzz):
    actor = fuzz.actor(world.users["admin"])

    @FUZZ
    @given(query=_query({"q": QUERY_TEXT, "after": QUERY_ID}))
    @example(query={"q": "\x00"})
    @example(query={"after": str(2**31)})
    @example(query={"after": str(2**63)})
    def run(query):
        response, _ = actor.get("/admin/users", query)
        # Any filter value is answered with the list, except a NUL character, refused with 400.
        assert response.status_code == (400 if has_nul(query) else 200), response.status_code

    run()
