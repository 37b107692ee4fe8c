"""Languages: Chinese by default, English on request, the choice remembered; times in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.auth.models import User
from tests.helpers import post_form


def test_switch_to_english_and_back_anonymously(client):
    assert 'lang="zh-CN"' in client.get("/login").get_data(as_text=True)
    response = post_form(client, "/language", {"locale": "en", "next": "/login"}, token_url="/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Log in" in html
    post_form(client, "/language", {"locale": "zh_CN", "next": "/login"}, token_url="/login")
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "登录" in html


def test_choice_is_remembered_on_the_account(world, login, session, app):
    user = world.users["caseworker"]
    c = login(user)
    post_form(c, "/language", {"locale": "en", "next": "/"}, token_url="/")
    session.expire_all()
    assert session.get(User, user.id).locale == "en"
    # A new device with no cookie: after login the account's choice applies.
    other = login(user)
    other.delete_cookie("lang")
    assert 'lang="en"' in other.get("/").get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(client):
    response = post_form(client, "/language", {"locale": "en", "next": "https://evil.example/"}, token_url="/login")
    assert response.headers["Location"] == "/"


def test_unknown_locale_is_ignored(client):
    post_form(client, "/language", {"locale": "fr", "next": "/login"}, token_url="/login")
    assert 'lang="zh-CN"' in client.get("/login").get_data(as_text=True)


def test_error_pages_in_both_languages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and 'lang="zh-CN"' in response.get_data(as_text=True)
    client.set_cookie("lang", "en")
    response = client.get("/no-such-page")
    assert "Not found" in response.get_data(as_text=True)


def test_times_are_shown_in_shanghai_time(app):
    from app.core.i18n import localtime

    with app.test_request_context("/"):
        assert localtime(datetime(2026, 1, 31, 16, 30, tzinfo=UTC)) == "2026-02-01 00:30"


def test_times_are_stored_in_utc(world, session):
    user = session.execute(select(User)).scalars().first()
    assert user.created_at.tzinfo is not None and user.created_at.utcoffset().total_seconds() == 0


def test_chinese_catalog_is_complete():
    """Every message has a Chinese translation with the same placeholders, none fuzzy."""
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parents[1] / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh)
    problems = []
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in catalog:
        if not message.id:
            continue
        # A plural entry has a tuple of ids and of strings (Chinese has one form); each must be filled.
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {message.id!r}")
            continue
        wanted = sorted(placeholder.findall(ids[-1]))
        if any(sorted(placeholder.findall(s)) != wanted for s in strings):
            problems.append(f"placeholders differ: {message.id!r}")
    assert not problems, "\n".join(problems[:30])


def test_wtforms_own_messages_are_in_chinese(client, world):
    """Messages WTForms writes itself (a number that is not a number) follow the interface language."""
    from tests.helpers import post_form

    response = post_form(client, "/register", {"staff_count": "many", "revenue_wan": "abc"})
    html = response.get_data(as_text=True)
    staff_error = html.split('id="staff_count-error">', 1)[1].split("</div>", 1)[0]
    assert "integer" not in staff_error and any("\u4e00" <= ch <= "\u9fff" for ch in staff_error), staff_error


def test_select_options_follow_the_language(world, login):
    """Choices built from enums translate at each request, not once at import."""
    c = login(world.users["admin"])
    html = c.get("/admin/users/new").get_data(as_text=True)
    assert ">工作人员</option>" in html and ">Caseworker</option>" not in html
    c.set_cookie("lang", "en")
    html = c.get("/admin/users/new").get_data(as_text=True)
    assert ">Caseworker</option>" in html


def test_translations_found_once_still_follow_a_forced_locale(app):
    """The translations are looked up once per request (``app.core.i18n.FastDomain``), yet a document
    rendered in the other language inside the request (``force_locale``) is in that language, in
    Python, in lazy labels and in templates, and the request's own language comes back after it."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext, refresh

    from app.cases.enums import CaseState

    def texts():
        return gettext("Overdue"), str(CaseState.CLOSED.label), render_template_string("{{ _('Overdue') }}")

    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        english = texts()
        assert english == ("Overdue", "Closed", "Overdue")
        with force_locale("zh_CN"):
            chinese = texts()
        assert chinese[0] == chinese[2] != "Overdue" and chinese[1] != "Closed"
        assert texts() == english
        from flask import g

        g._flask_babel.babel_locale = None  # as a language switch does before refresh()
        refresh()
        assert texts() == english


def test_enum_labels_are_translated_once_per_language(app):
    """A list row's labels (state, kind, type, channel) come from a table made once per enum and
    language (``app.core.enums._translated``), not from a lazy string translated at each row; a
    language that comes later gets its own table."""
    from flask_babel import force_locale, get_translations

    from app.cases.enums import CaseState, IPType

    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        catalog = get_translations()
        catalog.__dict__.pop("_ipaid_labels", None)  # as a new process finds it (earlier tests filled it)
        looked_up = []
        original = catalog.ugettext
        catalog.ugettext = lambda text: looked_up.append(text) or original(text)  # counts, still translates
        try:
            rows = [(CaseState.CLOSED.label, IPType.TRADEMARK.label) for _ in range(50)]
        finally:
            del catalog.ugettext
        assert rows[0] == rows[-1] == ("Closed", "Trademark")
        # One lookup per member of each of the two enums, not one per row.
        assert len(looked_up) == len(CaseState) + len(IPType), looked_up
        with force_locale("zh_CN"):
            assert (CaseState.CLOSED.label, IPType.TRADEMARK.label) == ("已结案", "商标")
        assert IPType.TRADEMARK.label == "Trademark"
