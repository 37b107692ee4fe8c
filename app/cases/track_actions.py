"""One action endpoint for the tracks handled under a case (a referral now; the mediation and the plan
views keep their own copies until they move here).

``run_action`` reads the action's form (CSRF, version, comment and the action's inputs), applies
the action through the feature's service (which goes through the one door), and answers as every
track page does: a redirect with a flash when done; the page again with what was typed kept, 422
with the reasons when refused, 409 when the subject changed meanwhile; 403 for an action the
user's role may never take; 404 for an unknown action or a subject out of reach.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request
from flask_babel import gettext as _

from app.cases.forms import ActionForm
from app.core.engine import ActionRefused, NotFound, UnknownAction
from app.core.errors import ConflictError, ServiceError
from app.core.forms import version_of
from app.extensions import db


def run_action(
    subject,
    action: str,
    *,
    workflow,
    transition: Callable,
    may_act: bool,
    render: Callable,
    reload: Callable,
    done_url: str,
    actor,
):
    """Apply ``action`` to ``subject`` from a submitted form. ``render(subject, status, typed=…,
    conflict=…)`` draws the page; ``reload()`` finds the subject again after a rollback."""
    if action not in workflow:
        abort(404)
    spec = workflow[action]
    if not may_act:
        abort(403)
    form = ActionForm()
    typed = {"action": action, "comment": request.form.get("comment") or "", "data": spec.read_form(request.form)}
    typed["errors"] = []
    if not form.validate_on_submit():
        typed["errors"] = [str(e) for errors in form.errors.values() for e in errors]
        return render(subject, 422, typed=typed)
    try:
        transition(
            subject,
            action,
            actor,
            comment=form.comment.data or "",
            data=typed["data"],
            expected_version=version_of(form.version.data),
        )
    except (NotFound, UnknownAction):
        abort(404)
    except ConflictError:
        db.session.rollback()
        return render(reload(), 409, typed=typed, conflict=True)
    except ActionRefused as exc:
        if exc.forbidden:
            abort(403)
        db.session.rollback()
        typed["errors"] = [str(r) for r in exc.reasons]
        return render(reload(), 422, typed=typed)
    except ServiceError as exc:
        db.session.rollback()
        typed["errors"] = [str(exc.message)]
        return render(reload(), 422, typed=typed)
    flash(_("Done: %(action)s.", action=spec.label), "success")
    return redirect(done_url)
