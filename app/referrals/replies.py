"""``/agency-replies/<token>``: the enforcement agency answers a referral without an account.

The token (printed on the transfer letter and on each chase letter, e-mailed when the directory has
the agency's address) is looked up by its SHA-256. It opens one page: what the letter already says
(its number, the centre, the respondent, the right, the case number) and what the agency has told
the centre so far, with the agency's actions open now (confirm receipt, a case opened or not, the
outcome, a transfer to public security and its steps). Nothing else of the case is reachable.

An unknown, forged or malformed token gets one plain "not found" (404); a token of a referral that
is over, or revoked, gets "this link no longer works" (410). Every request counts against
``AGENCY_REPLY_RATE_LIMIT`` per client address. Forms are CSRF-protected; an answer is applied
through the one door with the agency as actor (``AgencyActor``), so the case's chain records it
as the agency's word.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from app.cases.track_actions import run_action
from app.core.db import utcnow
from app.extensions import db, limiter
from app.referrals import queries, reply, services, workflow

bp = Blueprint("agency_replies", __name__)


def _limit() -> str:
    return current_app.config.get("AGENCY_REPLY_RATE_LIMIT", "30 per minute;300 per hour")


def _token_or_abort(raw: str):
    token = reply.find(raw)
    if token is None:
        abort(404)
    if not reply.is_live(token):
        return token, False
    return token, True


def _render(token, raw, r, status=200, *, typed=None, conflict=False):
    actor = reply.AgencyActor.of(token)
    checks = services.available_actions(r, actor)
    allowed = [c for c in checks if c.allowed]
    choices = {}
    for check in allowed:
        for inp in check.action.inputs:
            if inp.choices is not None and inp.name != "channel":
                choices[(check.action.name, inp.name)] = inp.choices(r, actor)
    documents = [d for d in queries.referral_documents(r)]
    return (
        render_template(
            "referrals/reply.html",
            r=r,
            raw=raw,
            allowed=allowed,
            choices=choices,
            typed=typed,
            conflict=conflict,
            letter=documents[0] if documents else None,
        ),
        status,
    )


@bp.get("/agency-replies/<raw>")
@limiter.limit(_limit)
def page(raw: str):
    token, live = _token_or_abort(raw)
    if not live:
        return render_template("referrals/reply_closed.html"), 410
    return _render(token, raw, token.referral)


@bp.post("/agency-replies/<raw>/<action>")
@limiter.limit(_limit)
def answer(raw: str, action: str):
    token, live = _token_or_abort(raw)
    if not live:
        return render_template("referrals/reply_closed.html"), 410
    if action not in workflow.AGENCY_ACTIONS and action != "record_decision":
        abort(404)
    r = token.referral
    actor = reply.AgencyActor.of(token)

    def done(subject, name, who, **kwargs):
        result = services.transition(subject, name, who, **kwargs)
        token.last_used_at = utcnow()
        token.uses = (token.uses or 0) + 1
        return result

    def reload():
        db.session.expire_all()
        again = reply.find(raw)
        if again is None:
            abort(404)
        return again.referral

    response = run_action(
        r,
        action,
        workflow=workflow.REFERRALS,
        transition=done,
        may_act=True,
        render=lambda subject, status, **kw: _render(token, raw, subject, status, **kw),
        reload=reload,
        done_url=url_for("agency_replies.thanks", raw=raw),
        actor=actor,
    )
    return response


@bp.get("/agency-replies/<raw>/thanks")
@limiter.limit(_limit)
def thanks(raw: str):
    token = reply.find(raw)
    if token is None:
        abort(404)
    if not reply.is_live(token):
        return render_template("referrals/reply_closed.html", thanked=True), 200
    return redirect(url_for("agency_replies.page", raw=raw, _anchor="recorded"))
