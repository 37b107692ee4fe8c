"""The notifications blueprint: a user's own notifications, newest first, and marking them read.

Also provides ``unread_notifications()`` to templates: the navigation's unread count, one COUNT
statement per page that shows it (and none on pages that do not).
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.cases.enums import CaseState
from app.cases.models import Case
from app.cases.views_list import case_url
from app.core.errors import error_response
from app.core.forms import AppForm
from app.core.scope import visible
from app.core.views import MAX_ID, id_arg, safe_next
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import mark_read, text, unread_count

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 100
MAX_IDS = PAGE_SIZE  # a form marks at most one page's rows


@bp.app_context_processor
def _unread():
    def unread_notifications() -> int | None:
        """The current user's unread count, counted once per request (None when logged out)."""
        if not current_user.is_authenticated:
            return None
        if "_unread_notifications" not in g:
            try:
                g._unread_notifications = unread_count(current_user)
            except SQLAlchemyError:  # an error page after a failed transaction still renders
                db.session.rollback()
                g._unread_notifications = None
        return g._unread_notifications

    return {"unread_notifications": unread_notifications}


def linkable_cases(user, case_ids) -> dict[int, str]:
    """Case id -> number, for the cases of ``case_ids`` that ``user`` may open: those of their
    scope, and for staff also those they answer for beyond it (the one rule of
    ``app.cases.assignments``). Two statements for any number of notifications."""
    ids = sorted({i for i in case_ids if i})
    if not ids:
        return {}
    numbers = dict(db.session.execute(visible(select(Case.id, Case.number).where(Case.id.in_(ids)), user, Case)).all())
    rest = [i for i in ids if i not in numbers]
    if rest and user.is_staff:
        from app.cases.assignments import sql_clause

        numbers.update(
            db.session.execute(
                select(Case.id, Case.number).where(Case.id.in_(rest), Case.state != CaseState.DRAFT, sql_clause(user))
            ).all()
        )
    return numbers


class MarkReadForm(AppForm):
    """Only the CSRF token: the ids are read from the repeated ``id`` field."""


@bp.get("/notifications")
@login_required
def index():
    """The user's own notifications, newest first, a hundred a page (``?before=<id>`` pages on)."""
    stmt = select(Notification).where(Notification.user_id == current_user.id)
    before = id_arg("before")
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    rows = list(db.session.execute(stmt.order_by(Notification.id.desc()).limit(PAGE_SIZE + 1)).scalars())
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    cases = linkable_cases(current_user, [n.case_id for n in rows])
    items = [
        {
            "id": n.id,
            "text": text(n),
            "created_at": n.created_at,
            "unread": n.read_at is None,
            "case_number": cases.get(n.case_id),
        }
        for n in rows
    ]
    unread = g._unread_notifications = unread_count(current_user)  # the navigation's count too, counted once
    return render_template(
        "notifications/index.html",
        items=items,
        case_url=case_url,
        form=MarkReadForm(),
        next_before=rows[-1].id if more else None,
        on_later_page=before is not None,
        any_unread=unread > 0,
    )


def _ids_in_form() -> list[int] | None:
    """The ``id`` values posted, or None when one of them could not be an id."""
    values = request.form.getlist("id")
    if len(values) > MAX_IDS:
        return None
    ids = []
    for value in values:
        value = value.strip()
        if not (value.isascii() and value.isdigit() and 0 < len(value) <= 10 and 0 < int(value) <= MAX_ID):
            return None
        ids.append(int(value))
    return ids


@bp.post("/notifications/read")
@login_required
def read():
    """Mark the user's own notifications read: those of the posted ``id`` fields, or all of them
    with ``all=1``. Another user's ids are simply not matched."""
    form = MarkReadForm()
    if not form.validate_on_submit():
        return error_response(400)
    ids = _ids_in_form()
    mark_all = request.form.get("all") == "1"
    if ids is None or (not ids and not mark_all) or (ids and mark_all):
        return error_response(422, _("Choose the notifications to mark as read, or all of them."))
    count = mark_read(current_user, None if mark_all else ids)
    flash(_("%(n)d notifications marked as read.", n=count) if count else _("Nothing was unread."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")))
