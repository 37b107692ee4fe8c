"""The fund administration pages: the funds a member of staff may see, a fund set up, and a fund's page
with its money, its rules (and their history), its members, its income, its ledger and its statements.

Staff of the fund's centre, of the centres below it and of those above it read (the fund's scope
rule); supervisors and administrators of the fund's centre or above record members and income and
issue statements (``services.can_manage_fund``), administrators set up funds and change their rules
(``services.can_set_rules``). A fund out of scope answers 404, a write one may not make 403, an
applicant 403. Every write goes through ``app.fund.services`` (or ``app.fund.statement``).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.auth.models import Role, User
from app.cases.models import Case, Document
from app.centres.models import Centre
from app.centres.queries import centres_in_scope
from app.core import chains
from app.core.db import utcnow
from app.core.enums import label_of
from app.core.errors import ConflictError, ServiceError
from app.core.forms import version_of
from app.core.money import yuan
from app.core.permissions import roles_required, staff_required
from app.core.scope import get_visible, visible
from app.core.workdays import china_day
from app.enterprises.models import Enterprise
from app.extensions import db
from app.fund import ledger, services, statement
from app.fund.enums import DisputeType, EntryKind
from app.fund.forms_admin import (
    ContributionForm,
    IncomeForm,
    MemberForm,
    NewFundForm,
    RulesForm,
    StatementForm,
    fen_of,
)
from app.fund.models import RULE_FIELDS, Fund, FundMembership, FundRequest, LedgerEntry, rules_of

bp = Blueprint("fund_admin", __name__, url_prefix="/funds")

LEDGER_PAGE = 50
SUGGESTIONS = 20
HISTORY_ACTIONS = ("fund_created", "rules_changed", "membership_added")
HISTORY_LABELS = {
    "fund_created": _l("Fund set up"),
    "rules_changed": _l("Rules changed"),
    "membership_added": _l("Member added"),
}
OTHER_LABELS = {"name": _l("Name of the fund"), "is_active": _l("Takes new requests")}
SEPARATOR = " · "


def today() -> date:
    return china_day(utcnow())


def fund_or_404(fund_id: int) -> Fund:
    fund = get_visible(Fund, fund_id, current_user)
    if fund is None or not services.can_see_fund(current_user, fund):
        abort(404)
    return fund


# ---- words for the pages ---------------------------------------------------------------------------------


def rule_label(name: str) -> str:
    return services.RULE_LABELS.get(name) or OTHER_LABELS.get(name) or _l("Other setting")


def rule_text(name: str, value) -> str:
    """A rule's value as people read it (never a raw key)."""
    if value is None:
        return "—"
    if name.endswith("_fen"):
        return _("%(amount)s yuan", amount=yuan(value)) if isinstance(value, int) else "—"
    if name == "share_percent":
        return f"{value}%"
    if name == "dispute_types":
        labels = [label_of(DisputeType, v) for v in value or ()]
        return "、".join(labels) if labels else "—"
    if name == "is_active":
        return _("Yes") if value else _("No")
    if name == "review_working_days":
        return ngettext("%(num)d working day", "%(num)d working days", value) if isinstance(value, int) else "—"
    return str(value)


def _history(fund: Fund) -> list[dict]:
    events = list(
        db.session.execute(
            select(chains.AuditEvent)
            .where(
                chains.AuditEvent.chain_type == ledger.CHAIN,
                chains.AuditEvent.chain_id == fund.id,
                chains.AuditEvent.action.in_(HISTORY_ACTIONS),
            )
            .order_by(chains.AuditEvent.seq.desc())
        ).scalars()
    )
    actors = _names({e.actor_id for e in events})
    firm_ids = {(e.data or {}).get("enterprise") for e in events if e.action == "membership_added"}
    firms = (
        dict(db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(firm_ids))).all())
        if firm_ids
        else {}
    )
    rows = []
    for e in events:
        data = e.data or {}
        lines = []
        if e.action == "rules_changed":
            for name, pair in (data.get("changed") or {}).items():
                old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, None)
                lines.append({"label": rule_label(name), "old": rule_text(name, old), "new": rule_text(name, new)})
        elif e.action == "fund_created":
            lines.append({"label": OTHER_LABELS["name"], "old": None, "new": data.get("name", "")})
            for name in RULE_FIELDS:
                if name in data:
                    lines.append({"label": rule_label(name), "old": None, "new": rule_text(name, data[name])})
        else:
            lines.append({"label": _l("Enterprise"), "old": None, "new": firms.get(data.get("enterprise"), "—")})
            lines.append(
                {
                    "label": _l("Membership period"),
                    "old": None,
                    "new": f"{data.get('starts_on', '')} – {data.get('ends_on', '')}",
                }
            )
            lines.append(
                {
                    "label": _l("Contribution due"),
                    "old": None,
                    "new": rule_text("contribution_fen", data.get("contribution_fen")),
                }
            )
        rows.append(
            {"at": e.created_at, "what": HISTORY_LABELS[e.action], "who": actors.get(e.actor_id, "—"), "lines": lines}
        )
    return rows


def _names(ids) -> dict[int, str]:
    ids = sorted(i for i in ids if i)
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _ledger_page(fund: Fund, page: int) -> dict:
    total = fund.ledger_seq
    pages = max(1, (total + LEDGER_PAGE - 1) // LEDGER_PAGE)
    page = min(max(1, page), pages)
    entries = list(
        db.session.execute(
            select(LedgerEntry)
            .where(LedgerEntry.fund_id == fund.id)
            .order_by(LedgerEntry.seq.desc())
            .limit(LEDGER_PAGE)
            .offset((page - 1) * LEDGER_PAGE)
        ).scalars()
    )
    request_ids = {e.request_id for e in entries if e.request_id}
    cases = (
        dict(
            db.session.execute(
                select(FundRequest.id, Case.number)
                .join(Case, Case.id == FundRequest.case_id)
                .where(FundRequest.id.in_(request_ids))
            ).all()
        )
        if request_ids
        else {}
    )
    firm_ids = {e.enterprise_id for e in entries if e.enterprise_id}
    firms = (
        dict(db.session.execute(select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(firm_ids))).all())
        if firm_ids
        else {}
    )
    return {
        "entries": entries,
        "cases": cases,
        "firms": firms,
        "names": _names({e.recorded_by_id for e in entries}),
        "page": page,
        "pages": pages,
        "total": total,
    }


def _memberships(fund: Fund) -> list[FundMembership]:
    return list(
        db.session.execute(
            select(FundMembership)
            .join(Enterprise, Enterprise.id == FundMembership.enterprise_id)
            .where(FundMembership.fund_id == fund.id)
            .order_by(Enterprise.name, FundMembership.starts_on.desc(), FundMembership.id)
        ).scalars()
    )


def _request_link(request_id: int, case_number: str) -> str:
    """The request's page where the requests' pages are registered, else its case's."""
    if "fund.show" in current_app.view_functions:
        return url_for("fund.show", request_id=request_id)
    return url_for("cases.show", number=case_number)


def enterprise_label(enterprise) -> str:
    return f"{enterprise.name}{SEPARATOR}{enterprise.credit_code}"


def _served(fund: Fund):
    """``select(Enterprise)``: the enterprises served by the fund's centre or a centre below it."""
    return select(Enterprise).where(
        Enterprise.centre_id.in_(select(Centre.id).where(Centre.path.startswith(fund.centre.path, autoescape=True)))
    )


def resolve_enterprise(fund: Fund, text: str):
    """The enterprise ``text`` names ("name · code", a credit code, or a unique exact name) among those
    the fund's centre serves; None when there is none (or several)."""
    from app.visits.forms import CREDIT_CODE_IN

    text = (text or "").strip()
    if not text:
        return None
    match = CREDIT_CODE_IN.search(text)
    stmt = _served(fund)
    if match:
        stmt = stmt.where(Enterprise.credit_code == match.group(1).upper())
    else:
        stmt = stmt.where(Enterprise.name == text).limit(2)
    found = db.session.execute(stmt).scalars().all()
    return found[0] if len(found) == 1 else None


# ---- the list and a new fund --------------------------------------------------------------------------------


@bp.get("")
@staff_required
def index():
    funds = list(
        db.session.execute(
            visible(select(Fund), current_user, Fund)
            .join(Centre, Centre.id == Fund.centre_id)
            .order_by(Centre.path, Fund.name, Fund.id)
        ).scalars()
    )
    return render_template(
        "fund/admin/index.html",
        funds=funds,
        may_create=current_user.role is Role.ADMIN and current_user.centre is not None,
    )


def _new_centres():
    return [c for c in centres_in_scope(current_user, active_only=True) if services.can_set_rules(current_user, c)]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new():
    centres = _new_centres()
    if not centres:
        abort(403)
    by_id = {str(c.id): c for c in centres}
    if request.method == "GET":
        chosen = by_id.get(
            request.args.get("centre", ""), current_user.centre if current_user.centre in centres else centres[0]
        )
        form = NewFundForm(formdata=None)
        form.centre.data = str(chosen.id)
        form.fill_rules(services.default_rules(chosen))
        form.centre.choices = [(str(c.id), c.name) for c in centres]
        return render_template("fund/admin/new.html", form=form, centre=chosen)
    form = NewFundForm()
    form.fill_rules()
    form.centre.choices = [(str(c.id), c.name) for c in centres]
    centre = by_id.get(form.centre.data or "")
    valid = form.validate()
    if centre is None:
        form.form_errors.append(_("Choose one of the centres listed."))
        valid = False
    if valid:
        try:
            fund = services.create_fund(current_user, centre, form.name.data, form.rule_values())
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            _place_error(form, exc)
        else:
            flash(_("The fund %(name)s is set up.", name=fund.name), "success")
            return redirect(url_for("fund_admin.show", fund_id=fund.id))
    return render_template("fund/admin/new.html", form=form, centre=centre or centres[0]), 422


def _place_error(form, exc: ServiceError, aliases: dict | None = None) -> None:
    """The refusal beside its field (or at the top of the form when it names none on the form)."""
    name = (aliases or {}).get(exc.field, exc.field)
    field = getattr(form, name, None) if name else None
    message = str(exc.message)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), message]
    else:
        form.form_errors.append(message)


# ---- a fund's page ------------------------------------------------------------------------------------------


def render_fund(fund: Fund, status: int = 200, *, forms: dict | None = None, conflict: bool = False):
    forms = forms or {}
    may_manage = services.can_manage_fund(current_user, fund)
    may_rule = services.can_set_rules(current_user, fund)
    day = today()
    rules_form = forms.get("rules")
    if rules_form is None and may_rule:
        rules_form = RulesForm(formdata=None).fill_rules(rules_of(fund))
        rules_form.is_active.data = fund.is_active
        rules_form.version.data = str(fund.version)
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    member_form = forms.get("member")
    if member_form is None:
        member_form = MemberForm(formdata=None)
        member_form.starts_on.data = day.isoformat()
        member_form.ends_on.data = date(day.year, 12, 31).isoformat()
    income_form = forms.get("income")
    if income_form is None:
        income_form = IncomeForm(formdata=None)
        income_form.occurred_on.data = day.isoformat()
    statement_form = forms.get("statement")
    if statement_form is None:
        statement_form = StatementForm(formdata=None)
        statement_form.date_from.data = date(day.year, 1, 1).isoformat()
        statement_form.date_to.data = day.isoformat()
        statement_form.language.data = "en" if str(current_user.locale or "").startswith("en") else "zh_CN"
    memberships = _memberships(fund)
    refused = forms.get("contribution")  # (membership id, form) of a refused contribution
    contribution_forms = {}
    for m in memberships:
        if refused is not None and refused[0] == m.id:
            contribution_forms[m.id] = refused[1]
            continue
        cf = ContributionForm(formdata=None, prefix=f"m{m.id}")
        cf.amount.data = yuan(max(0, m.contribution_fen - m.paid_fen)).replace(",", "")
        cf.occurred_on.data = day.isoformat()
        contribution_forms[m.id] = cf
    context = {
        "fund": fund,
        "may_manage": may_manage,
        "may_rule": may_rule,
        "conflict": conflict,
        "rules": [(rule_label(n), rule_text(n, v)) for n, v in rules_of(fund).items()],
        "history": _history(fund),
        "memberships": memberships,
        "today": day,
        "rules_form": rules_form,
        "member_form": member_form,
        "income_form": income_form.fill(),
        "statement_form": statement_form.fill(),
        "contribution_forms": contribution_forms,
        "request_link": _request_link,
        "ledger": _ledger_page(fund, page),
        "statements": statement.statements(fund),
        "enterprise_options": [
            enterprise_label(e)
            for e in db.session.execute(
                _served(fund).order_by(Enterprise.name, Enterprise.id).limit(SUGGESTIONS)
            ).scalars()
        ]
        if may_manage
        else [],
        "kind_label": lambda k: label_of(EntryKind, k),
    }
    return render_template("fund/admin/show.html", **context), status


@bp.get("/<int:fund_id>")
@staff_required
def show(fund_id: int):
    return render_fund(fund_or_404(fund_id))


def _write_allowed(fund: Fund, rules: bool = False) -> None:
    allowed = services.can_set_rules(current_user, fund) if rules else services.can_manage_fund(current_user, fund)
    if not allowed:
        abort(403)


def _refused(fund_id: int, key: str, form, exc: ServiceError, aliases: dict | None = None, extra=None):
    """The page again after a refused write, the refusal beside its field; nothing was kept."""
    db.session.rollback()
    fund = fund_or_404(fund_id)
    if key == "rules":
        form.fill_rules()
    _place_error(form, exc, aliases)
    forms = {key: (extra, form) if key == "contribution" else form}
    return render_fund(fund, 422, forms=forms)


@bp.post("/<int:fund_id>/rules")
@staff_required
def change_rules(fund_id: int):
    fund = fund_or_404(fund_id)
    _write_allowed(fund, rules=True)
    form = RulesForm()
    form.fill_rules()
    if not form.validate():
        return _refused(fund_id, "rules", form, ServiceError(_("Please correct the fields marked below.")))
    changes = {**form.rule_values(), "is_active": bool(form.is_active.data)}
    try:
        services.change_rules(current_user, fund, changes, expected_version=version_of(form.version.data))
        db.session.commit()
    except ConflictError:
        db.session.rollback()
        fund = fund_or_404(fund_id)
        fresh = RulesForm(formdata=None).fill_rules(rules_of(fund))
        fresh.is_active.data = fund.is_active
        fresh.version.data = str(fund.version)
        return render_fund(fund, 409, forms={"rules": fresh}, conflict=True)
    except ServiceError as exc:
        return _refused(fund_id, "rules", form, exc)
    flash(_("The rules are changed; they apply to requests submitted from now on."), "success")
    return redirect(url_for("fund_admin.show", fund_id=fund_id, _anchor="rules"))


@bp.post("/<int:fund_id>/members")
@staff_required
def add_member(fund_id: int):
    fund = fund_or_404(fund_id)
    _write_allowed(fund)
    form = MemberForm()
    if not form.validate():
        return _refused(fund_id, "member", form, ServiceError(_("Please correct the fields marked below.")))
    enterprise = resolve_enterprise(fund, form.enterprise.data)
    if enterprise is None:
        return _refused(
            fund_id,
            "member",
            form,
            ServiceError(
                _("Choose an enterprise served by the fund's centre or a centre below it."), field="enterprise"
            ),
        )
    contribution = fen_of(form.contribution.data)
    try:
        services.add_membership(
            current_user,
            fund,
            enterprise,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            contribution_fen=0 if contribution is None else contribution,
            note=form.note.data or "",
        )
        db.session.commit()
    except ServiceError as exc:
        return _refused(fund_id, "member", form, exc, {"contribution_fen": "contribution"})
    flash(_("%(name)s is a member of the fund.", name=enterprise.name), "success")
    return redirect(url_for("fund_admin.show", fund_id=fund_id, _anchor="members"))


@bp.get("/<int:fund_id>/enterprises")
@staff_required
def search_enterprises(fund_id: int):
    """Enterprises the fund's centre serves whose name or credit code contains ``q``: "name · code"."""
    fund = fund_or_404(fund_id)
    _write_allowed(fund)
    q = (request.args.get("q") or "").strip()[:50]
    if len(q) < 2:
        return jsonify([])
    stmt = (
        _served(fund)
        .where(
            or_(
                Enterprise.name.contains(q, autoescape=True),
                Enterprise.credit_code.contains(q.upper(), autoescape=True),
            )
        )
        .order_by(Enterprise.name, Enterprise.id)
        .limit(SUGGESTIONS)
    )
    return jsonify([{"value": enterprise_label(e)} for e in db.session.execute(stmt).scalars()])


@bp.post("/<int:fund_id>/members/<int:membership_id>/contributions")
@staff_required
def record_contribution(fund_id: int, membership_id: int):
    fund = fund_or_404(fund_id)
    m = db.session.get(FundMembership, membership_id)
    if m is None or m.fund_id != fund.id:
        abort(404)
    _write_allowed(fund)
    form = ContributionForm(prefix=f"m{m.id}")
    if not form.validate():
        return _refused(
            fund_id, "contribution", form, ServiceError(_("Please correct the fields marked below.")), extra=m.id
        )
    amount = fen_of(form.amount.data)
    try:
        services.record_contribution(
            current_user, m, amount, occurred_on=form.occurred_on.data, reference=form.reference.data or ""
        )
        db.session.commit()
    except ServiceError as exc:
        return _refused(fund_id, "contribution", form, exc, {"amount_fen": "amount"}, extra=membership_id)
    flash(_("The contribution of %(amount)s yuan is recorded.", amount=yuan(amount)), "success")
    return redirect(url_for("fund_admin.show", fund_id=fund_id, _anchor="members"))


@bp.post("/<int:fund_id>/income")
@staff_required
def record_income(fund_id: int):
    fund = fund_or_404(fund_id)
    _write_allowed(fund)
    form = IncomeForm()
    form.fill()
    if not form.validate():
        return _refused(fund_id, "income", form, ServiceError(_("Please correct the fields marked below.")))
    amount = fen_of(form.amount.data)
    try:
        services.record_income(
            current_user,
            fund,
            form.kind.data,
            amount,
            occurred_on=form.occurred_on.data,
            reference=form.reference.data or "",
            note=form.note.data or "",
        )
        db.session.commit()
    except ServiceError as exc:
        return _refused(fund_id, "income", form, exc, {"amount_fen": "amount"})
    flash(_("The income of %(amount)s yuan is recorded.", amount=yuan(amount)), "success")
    return redirect(url_for("fund_admin.show", fund_id=fund_id, _anchor="ledger"))


# ---- the statement ------------------------------------------------------------------------------------------


@bp.post("/<int:fund_id>/statements")
@staff_required
def issue_statement(fund_id: int):
    from app.mediation.workflow import parse_date

    fund = fund_or_404(fund_id)
    _write_allowed(fund)
    form = StatementForm()
    form.fill()
    if not form.validate():
        return _refused(fund_id, "statement", form, ServiceError(_("Please correct the fields marked below.")))
    lang = form.language.data if form.language.data in ("zh_CN", "en") else None
    try:
        document = statement.issue_statement(
            current_user, fund, parse_date(form.date_from.data), parse_date(form.date_to.data), today(), lang
        )
        db.session.commit()
    except ServiceError as exc:
        return _refused(fund_id, "statement", form, exc)
    flash(_("The fund statement %(number)s is issued.", number=document.number or ""), "success")
    return redirect(url_for("fund_admin.show", fund_id=fund_id, _anchor="statements"))


@bp.get("/<int:fund_id>/statements/<int:document_id>")
@staff_required
def download_statement(fund_id: int, document_id: int):
    from app.cases.documents import read_document
    from app.cases.views_documents import _pdf_response

    fund = fund_or_404(fund_id)
    document = db.session.execute(
        select(Document).where(
            Document.id == document_id,
            Document.subject_type == "fund",
            Document.subject_id == fund.id,
            Document.kind == statement.KIND,
        )
    ).scalar_one_or_none()
    if document is None:
        abort(404)
    return _pdf_response(read_document(document), f"fund-statement-{fund.id}-{document.id}.pdf", True)


# Kept for the templates: how many members a fund has (the list page).
@bp.app_template_global()
def fund_member_count(fund: Fund) -> int:
    return db.session.execute(
        select(func.count()).select_from(FundMembership).where(FundMembership.fund_id == fund.id)
    ).scalar_one()
