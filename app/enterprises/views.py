"""Enterprise pages: the applicant's own enterprise, the staff list, details, members."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import StringField
from wtforms.validators import Optional

from app.auth.models import Role
from app.centres.models import Centre
from app.centres.queries import centre_choices, centre_label
from app.core.errors import ConflictError, ServiceError
from app.core.forms import AppForm, max_length, strip_filter, version_of
from app.core.permissions import staff_required
from app.core.scope import get_visible, visible
from app.core.views import field_error, id_arg, render_form
from app.enterprises.forms import CreditCodeField, EnterpriseForm
from app.enterprises.models import Enterprise, EnterpriseMember, MembershipStatus
from app.enterprises.services import (
    can_manage_enterprise,
    decide_membership,
    request_to_join,
    update_enterprise,
)
from app.enterprises.sme_size import Industry, SizeClass, explain
from app.extensions import db

bp = Blueprint("enterprises", __name__)

PAGE_SIZE = 50


class JoinForm(AppForm):
    credit_code = CreditCodeField()
    position = StringField(
        _l("Your position in the enterprise"), filters=[strip_filter], validators=[Optional(), max_length(100)]
    )


def _load(enterprise_id: int) -> Enterprise:
    enterprise = get_visible(Enterprise, enterprise_id, current_user)
    if enterprise is None:
        abort(404)
    return enterprise


@bp.get("/enterprise")
@login_required
def mine():
    """The applicant's own enterprise, or a form to ask to join one."""
    if current_user.is_staff:
        return redirect(url_for("enterprises.index"))
    member = db.session.execute(
        select(EnterpriseMember).where(EnterpriseMember.user_id == current_user.id)
    ).scalar_one_or_none()
    if member is not None and member.status is MembershipStatus.ACTIVE:
        return redirect(url_for("enterprises.show", enterprise_id=member.enterprise_id))
    return render_template("enterprises/no_enterprise.html", member=member, form=JoinForm())


@bp.post("/enterprise/join")
@login_required
def join():
    if current_user.is_staff:
        abort(403)
    form = JoinForm()
    if form.validate_on_submit():
        try:
            request_to_join(current_user, form.credit_code.data, form.position.data or "")
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("Your request was sent. A member of the enterprise or your centre will decide on it."), "success")
            return redirect(url_for("enterprises.mine"))
    member = db.session.execute(
        select(EnterpriseMember).where(EnterpriseMember.user_id == current_user.id)
    ).scalar_one_or_none()
    return render_form("enterprises/no_enterprise.html", form, member=member)


@bp.get("/enterprises")
@staff_required
def index():
    """Enterprises of the staff member's subtree, filtered and paged by id (keyset)."""
    q = (request.args.get("q") or "").strip()[:100]
    size = request.args.get("size") or ""
    industry = request.args.get("industry") or ""
    after = id_arg("after")
    stmt = visible(
        select(Enterprise).options(selectinload(Enterprise.centre).load_only(Centre.code)), current_user, Enterprise
    )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like)))
    if size in SizeClass._value2member_map_:
        stmt = stmt.where(Enterprise.size_class == SizeClass(size))
    if industry in Industry._value2member_map_:
        stmt = stmt.where(Enterprise.industry == Industry(industry))
    if after:
        stmt = stmt.where(Enterprise.id > after)
    rows = db.session.execute(stmt.order_by(Enterprise.id).limit(PAGE_SIZE + 1)).scalars().all()
    next_after = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return render_template(
        "enterprises/index.html",
        enterprises=rows[:PAGE_SIZE],
        next_after=next_after,
        q=q,
        size=size,
        industry=industry,
        sizes=SizeClass,
        industries=Industry,
        labels=_list_labels(),
    )


def _list_labels() -> dict:
    """The words the rows repeat, translated once per page (not once per row)."""
    return {
        "industries": {i: i.label for i in Industry},
        "sizes": {s: s.label for s in SizeClass},
        "flags": [(name, str(label)) for name, label in Enterprise.PRIORITY_FLAGS],
    }


@bp.get("/enterprises/requests")
@staff_required
def requests():
    """Join requests awaiting a decision, across the enterprises of the staff member's subtree."""
    pending = (
        db.session.execute(
            visible(
                select(EnterpriseMember)
                .options(selectinload(EnterpriseMember.user), selectinload(EnterpriseMember.enterprise))
                .where(EnterpriseMember.status == MembershipStatus.PENDING)
                .order_by(EnterpriseMember.requested_at)
                .limit(200),
                current_user,
                EnterpriseMember,
            )
        )
        .scalars()
        .all()
    )
    return render_template("enterprises/requests.html", pending=pending)


@bp.get("/enterprises/<int:enterprise_id>")
@login_required
def show(enterprise_id: int):
    enterprise = _load(enterprise_id)
    members = (
        db.session.execute(
            select(EnterpriseMember)
            .options(selectinload(EnterpriseMember.user))
            .where(EnterpriseMember.enterprise_id == enterprise.id)
            .order_by(EnterpriseMember.status, EnterpriseMember.requested_at)
        )
        .scalars()
        .all()
    )
    assessment = enterprise.assess_size()
    return render_template(
        "enterprises/show.html",
        enterprise=enterprise,
        members=members,
        size_reasons=explain(assessment),
        can_manage=can_manage_enterprise(current_user, enterprise),
    )


def _centre_choices_for(user, enterprise):
    """The centres the enterprise may move to, always including the one serving it now."""
    choices = centre_choices(user)
    if enterprise.centre_id not in {centre_id for centre_id, _label in choices}:
        choices.insert(0, (enterprise.centre_id, centre_label(enterprise.centre)))
    return choices


@bp.route("/enterprises/<int:enterprise_id>/edit", methods=["GET", "POST"])
@login_required
def edit(enterprise_id: int):
    enterprise = _load(enterprise_id)
    if not can_manage_enterprise(current_user, enterprise):
        abort(403)
    form = EnterpriseForm(obj=enterprise)
    if current_user.is_staff:
        form.centre_id.choices = _centre_choices_for(current_user, enterprise)
    else:  # staff decide where an enterprise is served: a posted centre_id is not even read
        del form.centre_id
    if request.method == "GET":
        form.version.data = enterprise.version
        form.industry.data = enterprise.industry.value if enterprise.industry is not None else ""
    if form.validate_on_submit():
        try:
            update_enterprise(current_user, enterprise, form.enterprise_data(), version_of(form.version.data))
        except ConflictError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
            return render_template(
                "enterprises/edit.html", form=form, enterprise=db.session.get(Enterprise, enterprise_id)
            ), 409
        except ServiceError as exc:
            field_error(form, exc)
        else:
            flash(_("The enterprise has been updated."), "success")
            return redirect(url_for("enterprises.show", enterprise_id=enterprise.id))
    return render_form("enterprises/edit.html", form, enterprise=enterprise)


@bp.post("/enterprises/<int:enterprise_id>/members/<int:member_id>/<any(approve, reject):decision>")
@login_required
def decide(enterprise_id: int, member_id: int, decision: str):
    enterprise = _load(enterprise_id)
    member = db.session.get(EnterpriseMember, member_id)
    if member is None or member.enterprise_id != enterprise.id:
        abort(404)
    if not AppForm().validate_on_submit():
        abort(400)
    try:
        decide_membership(current_user, member, approve=decision == "approve")
    except ServiceError as exc:
        flash(str(exc.message), "danger")
        return redirect(url_for("enterprises.show", enterprise_id=enterprise.id), code=303)
    if decision == "approve":
        flash(_("%(name)s can now act for the enterprise.", name=member.user.name), "success")
    else:
        flash(_("The request of %(name)s was refused.", name=member.user.name), "info")
    if current_user.role is Role.APPLICANT:
        return redirect(url_for("main.home"))
    if request.form.get("back") == "requests":
        return redirect(url_for("enterprises.requests"))
    return redirect(url_for("enterprises.show", enterprise_id=enterprise.id))
