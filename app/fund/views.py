"""The pages of requests to the overseas mutual-aid fund: the panel on the case page, the form of a new
request (and the edit of a draft or of a request sent back for documents), a request's page with its
working, costs, money and actions, and the staff's list.

Every write goes through ``app.fund.services`` (the actions through the one track action endpoint,
``app.cases.track_actions``). A refused form answers 422 with what was typed kept and the message
beside its field; a request the user may not see answers 404.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import Role
from app.cases import staged
from app.cases.attachments import attach_stored
from app.cases.documents import readable
from app.cases.models import CaseEvent, Document
from app.cases.permissions import can_see_internal
from app.cases.services import ActionRefused
from app.cases.track_actions import action_inputs, run_action
from app.cases.tracks import TrackPanel, register_panel
from app.cases.views import case_or_404
from app.clocks.display import TRACK_PAGES, clock_rows
from app.clocks.models import CaseClock
from app.core.db import utcnow
from app.core.engine import NotFound
from app.core.enums import label_of, member_of
from app.core.errors import ConflictError, ServiceError
from app.core.forms import version_of
from app.core.i18n import current_language
from app.core.money import fen_from_text, yuan
from app.core.permissions import roles_required
from app.core.scope import visible
from app.core.views import MAX_ID
from app.core.workdays import china_day
from app.extensions import db
from app.fund import rules as fund_rules
from app.fund import services, workflow
from app.fund.enums import CostKind, DisputeType, EntryKind, FundRequestState
from app.fund.forms import MAX_ROWS, FundRequestForm
from app.fund.models import FundCost, FundRequest, LedgerEntry, rules_of
from app.fund.workflow import INVOICE_TYPES

bp = Blueprint("fund", __name__)
S = FundRequestState
PAGE_SIZE = 50

STATE_BADGES = {
    S.DRAFT: "text-bg-light border",
    S.SUBMITTED: "text-bg-primary",
    S.MORE_INFO: "text-bg-warning",
    S.REVIEWED: "text-bg-info",
    S.APPROVED: "text-bg-info",
    S.GRANTED: "text-bg-success",
    S.CLOSED: "text-bg-secondary",
    S.REJECTED: "text-bg-secondary",
    S.WITHDRAWN: "text-bg-secondary",
}
EVENT_LABELS = {
    "fund_request_started": _l("Fund request started"),
    "fund_request_updated": _l("Fund request changed"),
    "fund_cost_excluded": _l("Cost found not eligible"),
    "fund_cost_included": _l("Cost found eligible again"),
    "issue_document": _l("Document issued"),
}
#: Which step of the working each binding limit is (``rules.Working.steps()``' order).
LIMIT_STEP = {"share": 4, "cap": 5, "year": 6, "fund": 7}
LIMIT_WORDS = {
    "share": _l("The share of the eligible costs less the deductions decided the amount."),
    "cap": _l("The cap per request decided the amount."),
    "year": _l("What is left of the fund year's cap decided the amount."),
    "fund": _l("What is available in the fund decided the amount."),
}
#: The service's field names that the form names otherwise.
FIELD_OF = {"insurance_fen": "insurance", "settlement_fen": "settlement", "other_funding_fen": "other_funding"}
COST_FIELD_OF = {"amount_fen": "original_amount"}


@bp.app_template_global()
def fund_word(kind: str, value) -> str:
    """The words of a fund request for any page: ``kind`` is ``state``, ``action``, ``dispute``,
    ``cost``, ``entry`` or ``country``; "—" for a value this code does not know."""
    if kind == "action":
        return workflow.FUND_REQUESTS.label_of(value, EVENT_LABELS, _l("Fund request updated"))
    if kind == "country":
        code = value if isinstance(value, str) else ""
        locale = "en" if current_language() == "en" else "zh_Hans_CN"
        return services.country_names(locale).get(code.upper(), "—") if code else "—"
    enum_cls = {"state": FundRequestState, "dispute": DisputeType, "cost": CostKind, "entry": EntryKind}.get(kind)
    return label_of(enum_cls, value) if enum_cls is not None else "—"


@bp.app_template_global()
def fund_badge(value) -> str:
    return STATE_BADGES.get(member_of(FundRequestState, value), "text-bg-secondary")


@bp.app_template_global()
def fund_yuan(fen) -> str:
    return yuan(fen) if isinstance(fen, int) and not isinstance(fen, bool) else ""


def _plain_number(millionths: int) -> str:
    """A rate kept in millionths as people write it: ``7123400`` → ``7.1234``."""
    whole, frac = divmod(int(millionths), 1_000_000)
    text = f"{whole}.{frac:06d}".rstrip("0").rstrip(".")
    return text


def _plain_amount(cents: int) -> str:
    whole, frac = divmod(int(cents), 100)
    return f"{whole}.{frac:02d}"


@bp.app_template_global()
def fund_rate(millionths) -> str:
    return _plain_number(millionths) if isinstance(millionths, int) else ""


@bp.app_template_global()
def fund_original(cents) -> str:
    """An invoice's amount in its currency, kept in hundredths: ``10000000`` → ``100,000.00``."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        return ""
    return f"{cents // 100:,}.{cents % 100:02d}"


# ---- reads ---------------------------------------------------------------------------------------------


def get_request(request_id, user) -> FundRequest | None:
    if not isinstance(request_id, int) or not 0 < request_id <= MAX_ID:
        return None
    r = db.session.execute(
        select(FundRequest)
        .where(FundRequest.id == request_id)
        .options(
            joinedload(FundRequest.case),
            joinedload(FundRequest.fund),
            selectinload(FundRequest.costs).joinedload(FundCost.invoice),
            selectinload(FundRequest.costs).joinedload(FundCost.voucher),
        )
    ).scalar_one_or_none()
    if r is None or not services.can_see_request(user, r):
        return None
    return r


def _request_or_404(request_id: int) -> FundRequest:
    r = get_request(request_id, current_user)
    if r is None:
        abort(404)
    return r


def case_requests(case, user) -> list[FundRequest]:
    rows = db.session.execute(
        select(FundRequest)
        .where(FundRequest.case_id == case.id)
        .options(joinedload(FundRequest.fund))
        .order_by(FundRequest.created_at.desc(), FundRequest.id.desc())
    ).scalars()
    return [r for r in rows if services.can_see_request(user, r)]


def request_documents(r: FundRequest, user) -> list[Document]:
    stmt = (
        select(Document)
        .where(Document.case_id == r.case_id, Document.subject_type == "fund_request", Document.subject_id == r.id)
        .order_by(Document.created_at, Document.id)
    )
    return list(db.session.execute(readable(stmt, user)).scalars())


def request_events(r: FundRequest, user) -> list[CaseEvent]:
    stmt = (
        select(CaseEvent)
        .options(selectinload(CaseEvent.actor))
        .where(CaseEvent.case_id == r.case_id, CaseEvent.subject_type == "fund_request", CaseEvent.subject_id == r.id)
        .order_by(CaseEvent.seq)
    )
    if not can_see_internal(user):
        stmt = stmt.where(CaseEvent.visibility == "applicant")
    return list(db.session.execute(stmt).scalars())


def request_entries(r: FundRequest, user) -> list[LedgerEntry]:
    """The ledger's movements of the request (staff of the fund's reach only: the scope rule)."""
    stmt = visible(select(LedgerEntry), user, LedgerEntry).where(LedgerEntry.request_id == r.id)
    return list(db.session.execute(stmt.order_by(LedgerEntry.seq)).scalars())


def working_of(r: FundRequest, today: date):
    """The working shown: the one stored from the review on, else what the rules give now; with the
    step of the limit that decided the amount. None for a request that never got one."""
    if r.working:
        d = dict(r.working)
        limit = d.pop("limit", None)
        w = fund_rules.Working.from_dict(d)
        if w is None:
            return None
        limit = limit or w.binding_limit
        stored = True
    elif r.state in (S.DRAFT, S.SUBMITTED, S.MORE_INFO):
        w = fund_rules.working(r, today)
        limit = w.binding_limit
        stored = False
    else:
        return None
    steps = w.steps()
    return {
        "steps": steps,
        "binding": LIMIT_STEP.get(limit),
        "limit_words": LIMIT_WORDS.get(limit, ""),
        "stored": stored,
        "grantable_fen": w.grantable_fen,
    }


# ---- the panel on the case page ---------------------------------------------------------------------------


def panel_context(case, user):
    requests = case_requests(case, user)
    may_start = not services.start_eligibility(case, user, first_only=True)
    if not requests and not may_start:
        return None
    return {"requests": requests, "may_start": may_start, "staff": user.is_staff}


register_panel(TrackPanel("fund_request", "fund/_case_panel.html", panel_context, order=40))
TRACK_PAGES["fund_request"] = "/fund-requests/%d"


# ---- the form: new and edit ------------------------------------------------------------------------------


def _locale() -> str:
    return "en" if current_language() == "en" else "zh_Hans_CN"


def _countries() -> dict[str, str]:
    return services.country_names(_locale())


def _invoices_of(case) -> list[tuple[int, str]]:
    probe = FundRequest(case_id=case.id)
    return services.invoice_choices(probe)


def _prepare(form: FundRequestForm, case, funds):
    wanted = request.form.get("add_row") == "1" if request.method == "POST" else False
    if wanted and len(form.costs) < MAX_ROWS:
        form.costs.append_entry()
    form.fill_choices(funds, _countries(), _invoices_of(case), _locale())
    return wanted


def _row_index(row) -> int:
    return int(row.name.rsplit("-", 1)[1])


def _stage_files(form: FundRequestForm) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Keep each row's uploaded invoice as a staged upload of the user (whatever becomes of the form,
    so a refused form does not lose a photograph); a file that is not a PDF or an image is refused
    beside its row. Returns the kept uploads by token and the errors as (field, message)."""
    errors: list[tuple[str, str]] = []
    fresh, dropped = [], []
    tokens = [row.staged.data for row in form.costs if row.staged.data]
    kept = {row.token: row for row in staged.owned(current_user, [t for t in tokens if isinstance(t, str)][:MAX_ROWS])}
    for row in form.costs:
        i = _row_index(row)
        if row.staged.data and row.staged.data not in kept:
            row.staged.data = ""  # someone else's, expired or unknown: ignored
        if request.form.get(f"costs-{i}-unstage") == "1" and row.staged.data:
            dropped += staged.discard(current_user, [row.staged.data])
            kept.pop(row.staged.data, None)
            row.staged.data = ""
        upload = request.files.get(f"costs-{i}-file")
        if not upload or not upload.filename:
            continue
        try:
            up = staged.stage(current_user, upload)
        except ServiceError as exc:
            errors.append((f"costs-{i}-file", str(exc.message)))
            continue
        if up.content_type not in INVOICE_TYPES:
            dropped += staged.discard(current_user, [up.token])
            errors.append((f"costs-{i}-file", _("An invoice or a voucher must be a PDF or an image.")))
            continue
        if row.staged.data:  # a new photograph replaces the one kept before
            dropped += staged.discard(current_user, [row.staged.data])
            kept.pop(row.staged.data, None)
        fresh.append(up)
        kept[up.token] = up
        row.staged.data = up.token
        row.attachment.data = ""
    if fresh or dropped:
        staged.keep(fresh, dropped)
    return kept, errors


def _data_of(form: FundRequestForm, kept: dict, case) -> tuple[dict, list[int]]:
    """What the service reads, from the form (the rows' kept uploads made evidence of the case first);
    and the form's row index of each cost given."""
    costs, positions = [], []
    for row in form.costs:
        i = _row_index(row)
        token = row.staged.data or ""
        if row.is_blank(bool(token)):
            continue
        attachment = row.attachment.data or None
        if token and token in kept:
            upload = kept[token]
            made = attach_stored(case, current_user, upload.checked(), _("Invoice for the fund request"))
            db.session.delete(upload)
            attachment = made.id
        costs.append(
            {
                "kind": row.kind.data or None,
                "description": row.form.description.data or "",
                "invoice_number": row.invoice_number.data or "",
                "currency": row.currency.data or None,
                "original_amount": row.original_amount.data or "",
                "rate": row.rate.data or "",
                "rate_on": row.rate_on.data or "",
                "attachment": attachment,
                "voucher": row.voucher.data or None,
            }
        )
        positions.append(i)
    data = {
        "dispute_type": form.dispute_type.data or None,
        "country": form.country.data or "",
        "forum": form.forum.data or "",
        "dispute_started_on": form.dispute_started_on.data or "",
        "description": form.description.data or "",
        "insurance_fen": _fen_typed(form.insurance.data),
        "settlement_fen": _fen_typed(form.settlement.data),
        "other_funding_fen": _fen_typed(form.other_funding.data),
        "costs": costs,
    }
    return data, positions


def _fen_typed(raw):
    """Yuan as typed → fen (``fen_from_text``); what is no sum (``1e309`` included, which the decimal
    context cannot quantize) is passed on as typed, for the service to refuse beside its field."""
    try:
        return fen_from_text(raw)
    except ArithmeticError:
        return raw


def _place_error(form: FundRequestForm, field: str | None, message: str, positions: list[int]) -> bool:
    """Put ``message`` beside the form's field the service named; False when it names none of them."""
    if not field:
        return False
    if field.startswith("costs-"):
        parts = field.split("-", 2)
        if len(parts) == 3 and parts[1].isdigit():
            k, name = int(parts[1]), COST_FIELD_OF.get(parts[2], parts[2])
            index = positions[k] if k < len(positions) else None
            for row in form.costs:
                if index is not None and _row_index(row) == index and name in row.form._fields:
                    row.form[name].errors = [message]
                    return True
        return False
    target = getattr(form, FIELD_OF.get(field, field), None)
    if target is None or not hasattr(target, "errors") or field in ("costs", "version", "csrf_token"):
        return False
    target.errors = [message]
    return True


def _mark_missing(form: FundRequestForm, r: FundRequest | None) -> bool:
    """Mark beside each field what is plainly missing, all at once (the service, which stops at the
    first problem, judges the rest with the same words). True when something is."""

    def mark(field, message) -> None:
        if not field.errors:
            field.errors = [message]
            flags["missing"] = True

    flags = {"missing": False}
    if not form.dispute_type.data and not (r is not None and r.state is S.MORE_INFO):
        mark(form.dispute_type, _("Choose the kind of dispute."))
    if not form.country.data:
        mark(form.country, _("Choose the country or region where the dispute is heard."))
    if not form.dispute_started_on.data:
        mark(form.dispute_started_on, _("Give the day the dispute began (YYYY-MM-DD)."))
    for row in form.costs:
        sub = row.form
        if sub.is_blank(bool(sub.staged.data)):
            continue
        if not sub.kind.data:
            mark(sub.kind, _("Choose what the cost is for."))
        if not sub.original_amount.data:
            mark(sub.original_amount, _("Give the invoice's amount in its currency, with at most two decimals."))
        if not sub.attachment.data and not sub.staged.data and not sub.staged.errors:
            mark(sub.attachment, _("Attach the invoice (a PDF or an image)."))
    return flags["missing"]


def _fill_from(form: FundRequestForm, r: FundRequest) -> None:
    form.fund.data = str(r.fund_id)
    form.dispute_type.data = r.dispute_type.value
    form.country.data = r.country
    form.forum.data = r.forum
    form.dispute_started_on.data = r.dispute_started_on.isoformat()
    form.description.data = r.description
    for name in ("insurance", "settlement", "other_funding"):
        fen = getattr(r, f"{name}_fen")
        getattr(form, name).data = _plain_amount(fen) if fen else ""
    while len(form.costs):
        form.costs.pop_entry()
    for c in r.costs:
        form.costs.append_entry(
            {
                "kind": c.kind.value,
                "description": c.description,
                "invoice_number": c.invoice_number,
                "currency": c.currency,
                "original_amount": _plain_amount(c.original_cents),
                "rate": _plain_number(c.rate_millionths),
                "rate_on": c.rate_on.isoformat(),
                "attachment": str(c.invoice_id),
                "voucher": str(c.voucher_id) if c.voucher_id else "",
            }
        )
    if not len(form.costs):
        form.costs.append_entry()
    form.version.data = str(r.version)


def _render_form(case, form, status=200, *, r=None, kept=None, errors=(), conflict=False):
    funds = services.funds_for_case(case)
    return (
        render_template(
            "fund/form.html",
            case=case,
            form=form,
            r=r,
            funds=funds,
            kept=kept or {},
            errors=[str(e) for e in errors],
            conflict=conflict,
            fixed_dispute=r is not None and r.state is S.MORE_INFO,
        ),
        status,
    )


def _save(case, form, funds, *, r=None):
    """Read, stage and save; the answer (a redirect when saved, the form again with 422 otherwise)."""
    valid = form.validate_on_submit()
    if form.csrf_token.errors:
        return _render_form(case, form, 422, r=r, errors=form.csrf_token.errors)
    kept, file_errors = _stage_files(form)
    for field, message in file_errors:
        row = next((x for x in form.costs if f"costs-{_row_index(x)}-file" == field), None)
        if row is not None:
            row.staged.errors = [message]
    if request.form.get("add_row") == "1":  # "another cost" without script: the form again, a row more
        return _render_form(case, form, 422 if file_errors else 200, r=r, kept=kept)
    missing = _mark_missing(form, r)
    if file_errors or not valid or missing:
        return _render_form(case, form, 422, r=r, kept=kept, errors=[_("Please correct the fields marked below.")])
    positions: list[int] = []
    try:
        data, positions = _data_of(form, kept, case)
        if r is None:
            fund_id = form.fund.data or ""
            fund = int(fund_id) if fund_id.isdigit() and len(fund_id) <= 10 else None
            saved = services.start_request(case, current_user, fund, data)
        else:
            saved = services.update_request(r, current_user, data, expected_version=version_of(form.version.data))
    except ConflictError:
        db.session.rollback()
        fresh = _request_or_404(r.id)
        form.version.data = str(fresh.version)  # what was typed, to be saved over the latest version
        return _render_form(fresh.case, form, 409, r=fresh, kept=kept, conflict=True)
    except ActionRefused as exc:
        db.session.rollback()
        if exc.forbidden:
            abort(403)
        return _render_form(case_or_404(case.ref), form, 422, r=r, kept=kept, errors=exc.reasons)
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        message = str(exc.message)
        placed = _place_error(form, getattr(exc, "field", None), message, positions)
        if r is not None:
            r = _request_or_404(r.id)
        general = [_("Please correct the fields marked below.")] if placed else [message]
        return _render_form(case_or_404(case.ref), form, 422, r=r, kept=kept, errors=general)
    db.session.commit()
    if r is None:
        flash(_("The request was saved as a draft. Check it, then submit it to the fund."), "success")
    else:
        flash(_("The request was changed."), "success")
    return redirect(url_for("fund.show", request_id=saved.id))


@bp.route("/cases/<number>/fund-requests/new", methods=["GET", "POST"])
@login_required
def new(number: str):
    case = case_or_404(number)
    reasons = services.start_eligibility(case, current_user)
    if reasons:
        if request.method == "GET":
            flash(" ".join(str(x) for x in reasons), "warning")
            return redirect(url_for("cases.show", number=case.ref))
        return render_template("fund/not_possible.html", case=case, reasons=reasons), 422
    funds = services.funds_for_case(case)
    form = FundRequestForm()
    _prepare(form, case, funds)
    if request.method == "GET":
        if funds:
            form.fund.data = str(funds[0].id)
        return _render_form(case, form)
    return _save(case, form, funds)


@bp.route("/fund-requests/<int:request_id>/edit", methods=["GET", "POST"])
@login_required
def edit(request_id: int):
    r = _request_or_404(request_id)
    if not services.can_act_on_request(current_user, r) or (
        current_user.is_staff and current_user.role not in services.STAFF_STARTERS
    ):
        abort(403)
    if r.state not in services.EDITABLE:
        flash(_("The request can be changed only as a draft or when more documents are asked for."), "info")
        return redirect(url_for("fund.show", request_id=r.id))
    case = r.case
    funds = services.funds_for_case(case)
    if r.fund not in funds:
        funds = [r.fund, *funds]
    form = FundRequestForm()
    if request.method == "GET":
        _fill_from(form, r)
        _prepare(form, case, funds)
        return _render_form(case, form, r=r)
    _prepare(form, case, funds)
    form.fund.data = str(r.fund_id)
    return _save(case, form, funds, r=r)


# ---- the request page ---------------------------------------------------------------------------------------


def render_request(r: FundRequest, status: int = 200, *, typed=None, conflict: bool = False):
    now = utcnow()
    checks = services.available_actions(r, current_user)
    allowed = [c for c in checks if c.allowed]
    blocked = [
        c for c in checks if not c.allowed and not c.wrong_state and not c.role_refused and c.action.listed_when_blocked
    ]
    staff = current_user.is_staff
    clocks = []
    if staff:
        clocks = list(
            db.session.execute(
                select(CaseClock)
                .where(CaseClock.subject_type == "fund_request", CaseClock.subject_id == r.id)
                .order_by(CaseClock.started_at, CaseClock.id)
            ).scalars()
        )
    may_edit = (
        r.state in services.EDITABLE
        and services.can_act_on_request(current_user, r)
        and (not staff or current_user.role in services.STAFF_STARTERS)
    )
    may_judge = (
        r.state is S.SUBMITTED
        and current_user.role in workflow.REVIEWERS
        and services.can_act_on_request(current_user, r)
    )
    context = {
        "r": r,
        "case": r.case,
        "fund": r.fund,
        "rules": r.rules or rules_of(r.fund),
        "rules_fixed": bool(r.rules),
        "staff": staff,
        "allowed": allowed,
        "blocked": blocked,
        **action_inputs(r, allowed, current_user),
        "typed": typed,
        "conflict": conflict,
        "working": working_of(r, china_day(now)),
        "entries": request_entries(r, current_user) if staff else [],
        "documents": request_documents(r, current_user),
        "events": request_events(r, current_user),
        "clocks": clock_rows(clocks, now),
        "may_edit": may_edit,
        "may_judge": may_judge,
        "judged": g.get("fund_judged"),
        "dispute_labels": [label_of(DisputeType, d) for d in (r.rules or rules_of(r.fund)).get("dispute_types", [])],
    }
    return render_template("fund/show.html", **context), status


@bp.get("/fund-requests/<int:request_id>")
@login_required
def show(request_id: int):
    return render_request(_request_or_404(request_id))


@bp.post("/fund-requests/<int:request_id>/actions/<action>")
@login_required
def act(request_id: int, action: str):
    r = _request_or_404(request_id)
    return run_action(
        r,
        action,
        workflow=workflow.FUND_REQUESTS,
        transition=services.transition,
        may_act=services.can_act_on_request(current_user, r),
        render=render_request,
        reload=lambda: _request_or_404(request_id),
        done_url=url_for("fund.show", request_id=request_id),
        actor=current_user,
    )


@bp.post("/fund-requests/<int:request_id>/costs/<int:position>/eligibility")
@login_required
def judge_cost(request_id: int, position: int):
    """The reviewer excludes a cost (with the reason) or includes it again."""
    from app.cases.forms import ActionForm

    r = _request_or_404(request_id)
    if current_user.role not in workflow.REVIEWERS or not services.can_act_on_request(current_user, r):
        abort(403)
    form = ActionForm()
    eligible = request.form.get("eligible") == "1"
    reason = (request.form.get("reason") or "")[:2001]
    if not form.validate_on_submit():
        g.fund_judged = {
            "position": position - 1,
            "reason": reason,
            "error": _("The form could not be read. Please try again."),
        }
        return render_request(r, 422)
    try:
        services.set_cost_eligibility(r, current_user, position - 1, eligible, reason)
    except ServiceError as exc:
        db.session.rollback()
        g.fund_judged = {"position": position - 1, "reason": reason, "error": str(exc.message)}
        return render_request(_request_or_404(request_id), 422)
    db.session.commit()
    flash(
        _("Cost %(n)d is now counted.", n=position) if eligible else _("Cost %(n)d is no longer counted.", n=position),
        "success",
    )
    return redirect(url_for("fund.show", request_id=request_id) + "#costs")


# ---- the list --------------------------------------------------------------------------------------------------

LIST_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FUND_COMMITTEE, Role.ADMIN)


def awaiting_states(user) -> list[FundRequestState]:
    """What waits for the user's approval: a supervisor's first approval, a committee member's second
    (an administrator may give either)."""
    if user.role is Role.SUPERVISOR:
        return [S.REVIEWED]
    if user.role is Role.FUND_COMMITTEE:
        return [S.APPROVED]
    if user.role is Role.ADMIN:
        return [S.REVIEWED, S.APPROVED]
    return []


@bp.get("/fund-requests")
@roles_required(*LIST_ROLES)
def index():
    state = request.args.get("state", "")
    states = [S(state)] if state in {s.value for s in S} else None
    invalid = bool(state) and states is None
    waiting = awaiting_states(current_user)
    mine = request.args.get("mine") == "y" and bool(waiting)
    page_arg = request.args.get("page", "1")
    page = int(page_arg) if page_arg.isdigit() and len(page_arg) <= 6 and int(page_arg) > 0 else 1
    stmt = visible(select(FundRequest), current_user, FundRequest)
    if mine:
        me = current_user.id
        stmt = stmt.where(
            FundRequest.state.in_(waiting),
            func.coalesce(FundRequest.submitted_by_id, 0) != me,
            func.coalesce(FundRequest.reviewed_by_id, 0) != me,
            func.coalesce(FundRequest.approved_by_id, 0) != me,
        )
    elif states:
        stmt = stmt.where(FundRequest.state.in_(states))
    rows = list(
        db.session.execute(
            stmt.options(joinedload(FundRequest.case), joinedload(FundRequest.fund), joinedload(FundRequest.enterprise))
            .order_by(FundRequest.updated_at.desc(), FundRequest.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
        .unique()
        .scalars()
    )
    counts = dict(
        db.session.execute(
            visible(select(FundRequest.state, func.count()), current_user, FundRequest).group_by(FundRequest.state)
        ).all()
    )
    args = {k: v for k, v in (("state", state if states and not mine else ""), ("mine", "y" if mine else "")) if v}
    return (
        render_template(
            "fund/index.html",
            rows=rows[:PAGE_SIZE],
            has_next=len(rows) > PAGE_SIZE,
            page=page,
            state=state if states else "",
            states=list(S),
            counts={S(k) if not isinstance(k, S) else k: v for k, v in counts.items()},
            mine=mine,
            may_wait=bool(waiting),
            filter_args=args,
            invalid=invalid,
        ),
        422 if invalid else 200,
    )
