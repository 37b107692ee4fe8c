"""One action endpoint for the tracks handled under a case (the plan, the mediation, the referral).

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


def action_inputs(subject, allowed, user) -> dict:
    """The choices and help texts of the inputs of the actions ``user`` may take on ``subject`` now,
    keyed ``(action, input)``: what the action panel's forms show (``templates/workflow/_actions.html``)."""
    choices, helps = {}, {}
    for check in allowed:
        for inp in check.action.inputs:
            key = (check.action.name, inp.name)
            if inp.choices is not None:
                choices[key] = inp.choices(subject, user)
            if inp.help is not None:
                helps[key] = inp.help(subject, user, choices.get(key, []))
    return {"choices": choices, "helps": helps}


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
    hidden=frozenset(),
    done: Callable | None = None,
):
    """Apply ``action`` to ``subject`` from a submitted form. ``render(subject, status, typed=…,
    conflict=…)`` draws the page; ``reload()`` finds the subject again after a rollback. ``hidden``:
    actions of the table that no form takes (404); ``done(result)``: the answer when the action was
    applied, if not "Done" and back to ``done_url``."""
    if action not in workflow or action in hidden:
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
        result = transition(
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
    if done is not None:
        answer = done(result)
        if answer is not None:
            return answer
    flash(_("Done: %(action)s.", action=spec.label), "success")
    return redirect(done_url)
