"""The staff's read-access log: who read which case's personal data, when, how and from where.

Every read by a staff user (any role but the applicant's) of a case's personal data leaves a row
of ``personal_data_reads`` (``app.privacy.models``): the case page (``case_page``), an evidence
file (``evidence``), an issued document or its preview (``document``), the API's case objects
(``api_case``) and the CSV export of the case list (``export``). An applicant reading their own
enterprise's case is not logged; nor is a draft (its author's own unfinished text, deleted with it).

The log is a legal record, so correctness comes first: the rows of a request are written by ONE
insert in the request's own transaction, just before it commits (an ``after_app_request`` hook that
runs before ``app.core.requests``' commit), so a read that is served is logged, and if the log
cannot be written the request fails rather than serving an unlogged read. A page that shows the
data and still answers an error (the case page re-rendered with a refused form, 422) has its
transaction rolled back: its rows are then written in a transaction of their own at teardown.
A streamed export logs each batch of rows as it sends it (``log_streamed``).

Lists (the case list, "my work", the API's list) show a case's personal data only for cases of a
natural person or a tip-off, or with a hotline caller's details: those are logged; an enterprise's
case in a list shows only the enterprise (a legal person) and is not. The case list page itself and
the respondents' pages, which show a complainant's name but no contact details, are not logged.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from sqlalchemy import false, insert, select
from sqlalchemy.orm import aliased

from app.auth.models import Role
from app.cases.enums import ComplainantType
from app.cases.models import Case
from app.core.db import about_to_write, utcnow
from app.core.scope import centre_subtree_ids, scope_rule
from app.extensions import db
from app.privacy.models import PersonalDataRead, ReadKind

_PENDING = "_personal_data_reads"


@scope_rule(PersonalDataRead)
def _reads_in_scope(stmt, user):
    """Administrators see the reads of the cases of their centre and below; nobody else sees the log."""
    if user.role is not Role.ADMIN:
        return stmt.where(false())
    # A correlated EXISTS on the read's case: the log is read newest first a page at a time, each row
    # checked, rather than every case of a national scope gathered first.
    # (An alias: the log's own queries join the case for its number.)
    case = aliased(Case)
    return stmt.where(
        select(case.id)
        .where(case.id == PersonalDataRead.case_id, case.centre_id.in_(centre_subtree_ids(user)))
        .exists()
    )


def is_logged_reader(user) -> bool:
    """Staff reads are logged; an applicant's reads of their own cases are not."""
    return user is not None and getattr(user, "is_authenticated", False) and user.is_staff


def shows_personal_data(case) -> bool:
    """A case whose list entry carries a natural person's data: a person's or tip-off's name or
    phone, or a hotline caller's details; nothing once it is anonymised."""
    if getattr(case, "anonymised_at", None) is not None:
        return False
    if case.complainant_type is not ComplainantType.ENTERPRISE and (case.complainant_name or case.complainant_phone):
        return True
    return bool(case.caller_name or case.caller_phone)


def _row(user_id: int, case_id: int, what: ReadKind, at) -> dict:
    in_request = has_request_context()
    return {
        "user_id": user_id,
        "case_id": case_id,
        "what": what,
        "at": at,
        "request_id": (g.get("request_id") or None) if in_request else None,
        "client_address": ((request.remote_addr or "") if in_request else "")[:64],
    }


def log_read(user, case, what: ReadKind) -> None:
    """Record that ``user`` read ``case``'s personal data (``what``: how); nothing for an applicant
    or a draft. Written with the request's transaction (see the module's docstring)."""
    log_reads(user, [case], what)


def log_reads(user, cases, what: ReadKind) -> None:
    """``log_read`` for several cases (a list page of the API, "my work")."""
    log_case_ids(user, [case.id for case in cases if case is not None and case.number is not None], what)


def log_case_ids(user, case_ids, what: ReadKind) -> None:
    """``log_reads`` by the cases' ids (submitted cases only: the caller leaves drafts out)."""
    if not is_logged_reader(user):
        return
    now = utcnow()
    rows = [_row(user.id, case_id, what, now) for case_id in case_ids if case_id is not None]
    if not rows:
        return
    if has_request_context():
        g.setdefault(_PENDING, []).extend(rows)
    else:  # a script or a test outside a request: straight into the session's transaction
        write(rows)


def write(rows: list[dict]) -> None:
    """One insert of ``rows`` in the session's current transaction."""
    if rows:
        db.session.execute(insert(PersonalDataRead), rows)


def log_streamed(user, case_ids, what: ReadKind = ReadKind.EXPORT) -> None:
    """A streamed response's batch of cases, written and committed now: the request's own
    transaction has already committed when its body is streamed."""
    if not is_logged_reader(user):
        return
    now = utcnow()
    rows = [_row(user.id, case_id, what, now) for case_id in case_ids]
    if rows:
        write(rows)
        db.session.commit()


def register(state) -> None:
    """Hook the log's writes into every request of the app (called once, when the blueprint of the
    log's pages is registered)."""
    app = state.app

    @app.after_request
    def _write_reads(response):
        rows = g.pop(_PENDING, None)
        if rows:
            if response.status_code >= 400:
                # The commit hook will roll this transaction back: written again at teardown.
                g._personal_data_reads_after_rollback = rows
            else:
                about_to_write()  # the page is rendered: ending its read loses nothing
                write(rows)  # the commit hook, registered earlier, runs after this one
        return response

    @app.teardown_request
    def _write_after_rollback(exc):
        rows = g.pop("_personal_data_reads_after_rollback", None)
        if not rows or exc is not None:
            return
        try:
            write(rows)
            db.session.commit()
        except Exception:  # the answer is already sent: say so loudly, never fail it now
            db.session.rollback()
            current_app.logger.exception("could not record %d reads of personal data", len(rows))
