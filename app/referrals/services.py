"""Every write about referrals: deciding one, and its actions through the engine's one door.

``refer`` checks what a referral needs (an accepted case, a named respondent, a right, grounds,
evidence of the case, an agency of the directory; an agency that does not fit the right or the
region only with a supervisor's comment) with every reason at once, records the decision in the
case's chain and starts the 5-working-day send clock; ``transition`` applies an action of the rule
table (``app.referrals.workflow``) through ``ReferralDoor`` for staff and for the agency acting
through its link (``app.referrals.reply.AgencyActor``). Services take the acting user explicitly,
flush and never commit.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.agencies.models import Agency
from app.auth.models import Role
from app.cases.enums import CaseState
from app.cases.events import record_applied, record_event, register_track_digest
from app.cases.models import Attachment, Case
from app.cases.permissions import can_see_case, is_case_member
from app.centres.settings import setting_value
from app.clocks.models import CaseClock, ClockName, ClockSpan, ClockUnit, register_span
from app.core import engine
from app.core.db import utcnow
from app.core.engine import ActionRefused, Door, NotFound
from app.core.permissions import centre_in_scope
from app.core.workdays import china_day
from app.core.workflow import start
from app.extensions import db
from app.referrals import workflow
from app.referrals.enums import Ground, ReferralState
from app.referrals.models import Referral, referral_digest

HANDLING_CASE_STATES = (CaseState.ACCEPTED, CaseState.IN_PROGRESS)
STARTERS = frozenset({Role.CASEWORKER, Role.SUPERVISOR})
MAX_EVIDENCE = 100

# The legal basis the letter cites, by the kind of agency (DOMAIN.md "Referral to administrative enforcement").
LEGAL_BASIS = {
    "market_regulation": "《中华人民共和国专利法》第六十五条、第六十九条；《中华人民共和国商标法》第六十条；"
    "《市场监督管理投诉举报处理暂行办法》",
    "patent_administration": "《中华人民共和国专利法》第六十五条；《专利纠纷行政裁决和调解办法》",
    "copyright": "《中华人民共和国著作权法》第五十三条；《著作权行政处罚实施办法》",
    "customs": "《中华人民共和国知识产权海关保护条例》",
    "agriculture_forestry": "《中华人民共和国种子法》第七十二条；《中华人民共和国植物新品种保护条例》",
    "public_security": "《行政执法机关移送涉嫌犯罪案件的规定》（2020年修订）；《中华人民共和国刑法》第二百一十三条至第二百二十条",
    "other": "《关于强化知识产权保护的意见》",
}


class ReferralNotFound(NotFound):
    """The referral does not exist or is not the actor's to see (both answer 404)."""


register_track_digest("referral", Referral, referral_digest)


# ---- who may see and act -------------------------------------------------------------------------------


def can_see_referral(user, r: Referral | None) -> bool:
    """Staff who may see its case; the agency through its own link; the applicant's side once the
    letter is sent (never while it is being decided)."""
    if r is None:
        return False
    if workflow.is_agency(user):
        return user.referral_id == r.id
    if not can_see_case(user, r.case):
        return False
    if user.is_staff:
        return True
    return r.sent_at is not None and is_case_member(user, r.case)


def can_act_on_referral(user, r: Referral) -> bool:
    """Caseworkers and supervisors of the case's centre or above; the agency on its own referral."""
    if not can_see_referral(user, r):
        return False
    if workflow.is_agency(user):
        return True
    return user.role in STARTERS and centre_in_scope(user, r.case.centre)


class ReferralDoor(Door):
    """How the engine's one door reaches a referral; its events go to its case's chain."""

    workflow = workflow.REFERRALS
    model = Referral
    not_found = ReferralNotFound
    not_found_text = _l("Referral not found.")
    conflict_text = _l("Someone else changed this referral meanwhile.")

    def can_see(self, actor, r):
        return can_see_referral(actor, r)

    def can_act(self, actor, r):
        return can_act_on_referral(actor, r)

    def beyond_scope(self, actor, r):
        """The agency takes only the agency's actions."""
        if workflow.is_agency(actor):
            return frozenset(workflow.AGENCY_ACTIONS)
        return None

    def now(self):
        return utcnow()

    def facts(self, r, data=None):
        return workflow.ReferralFacts(
            case_open=r.case.state.is_open,
            proposer_id=r.created_by_id,
            mismatch=list(r.mismatch or []),
            sent_on=china_day(r.sent_at) if r.sent_at is not None else None,
        )

    def record(self, applied):
        return record_applied(applied)


DOOR = ReferralDoor()

# ``record_decision`` of the API with ``opened: false`` is the rule table's ``record_no_case``.
ALIASES = {"record_decision": lambda data: "record_no_case" if _is_false((data or {}).get("opened")) else None}


def _is_false(value) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "n"))


def transition(r: Referral, action: str, actor, *, comment=None, data=None, expected_version=None) -> Referral:
    """Apply one action of the referral's rule table through the one door; a referral that is over
    no longer answers to its reply links."""
    alias = ALIASES.get(action) if isinstance(action, str) else None
    if alias is not None and isinstance(data, dict):
        action = alias(data) or action
        data = {k: v for k, v in data.items() if k != "opened"}
    r = engine.transition(DOOR, r, action, actor, comment=comment, data=data, expected_version=expected_version)
    if not r.state.is_sent:
        from app.referrals.reply import revoke_all

        revoke_all(r, utcnow())
    return r


def available_actions(r: Referral, actor):
    return DOOR.available_actions(r, actor)


# ---- deciding a referral -------------------------------------------------------------------------------


def referred_right(case: Case):
    return case.rights[0] if case.rights else None


def eligibility(case: Case, actor) -> list:
    """Every reason ``actor`` cannot refer a lead of ``case`` now (empty: they may)."""
    if actor is None or actor.role not in STARTERS:
        return [_l("Only caseworkers and supervisors refer a lead.")]
    if not centre_in_scope(actor, case.centre):
        return [_l("Only the case's centre or a centre above it refers its leads.")]
    reasons = []
    if case.state not in HANDLING_CASE_STATES:
        reasons.append(_l("The case must be accepted before a lead is referred."))
    if referred_right(case) is None:
        reasons.append(_l("The case names no right."))
    if not any((r.name or "").strip() for r in case.respondents):
        reasons.append(_l("The case names no respondent; a referral needs one."))
    return reasons


def agency_choices(case: Case) -> list[tuple[Agency, list]]:
    """The agencies a lead of ``case`` may go to: the competent ones first (each with no mismatch),
    then the others of the case's region line, each with why it does not fit; each part the nearest
    region first, then by kind and name."""
    from app.agencies.queries import line_agencies, mismatch_reasons

    right = referred_right(case)
    if right is None:
        return []
    competent, others = line_agencies(case.centre, right.type)
    return [(a, []) for a in competent] + [(a, mismatch_reasons(a, case.centre, right.type)) for a in others]


def _open_referral_to(case: Case, agency: Agency) -> bool:
    from app.referrals.enums import OPEN_STATES

    return (
        db.session.execute(
            select(Referral.id).where(
                Referral.case_id == case.id, Referral.agency_id == agency.id, Referral.state.in_(list(OPEN_STATES))
            )
        ).first()
        is not None
    )


def _evidence(case: Case, ids) -> tuple[list, list]:
    """The case's attachments named by ``ids`` as the letter lists them, and what is wrong."""
    if not isinstance(ids, list | tuple) or not ids:
        return [], [_l("Pick the evidence to send with the letter (at least one file of the case).")]
    if len(ids) > MAX_EVIDENCE:
        return [], [_l("Send at most %(n)d files.", n=MAX_EVIDENCE)]
    wanted = []
    for value in ids:
        if isinstance(value, bool):
            return [], [_l("Evidence is given by the ids of the case's files.")]
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            return [], [_l("Evidence is given by the ids of the case's files.")]
    rows = {
        a.id: a
        for a in db.session.execute(
            select(Attachment).where(Attachment.case_id == case.id, Attachment.id.in_(wanted))
        ).scalars()
    }
    missing = [i for i in wanted if i not in rows]
    if missing:
        return [], [_l("Only the files of this case can be sent as its evidence.")]
    ordered = sorted(set(wanted), key=wanted.index)
    return [
        {"id": a.id, "filename": a.filename, "sha256": a.sha256, "size": a.size} for a in (rows[i] for i in ordered)
    ], []


def _earlier(case: Case, respondent) -> list[dict]:
    """The respondent's earlier cases the letter lists (repeated infringement), as the referral keeps them."""
    from app.respondents.queries import earlier_cases_for_letter

    return [
        {"number": c["number"], "state": c["state"], "filed_on": _day_text(c.get("created_at"))}
        for c in earlier_cases_for_letter(case, [respondent])
    ]


def _day_text(value) -> str:
    if isinstance(value, str):
        return value[:10]
    return china_day(value).isoformat() if value is not None else ""


def _ground_kinds(values) -> tuple[list, list]:
    if values in (None, ""):
        return [], []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        return [], [_l("Choose the grounds from the list.")]
    known = {g.value for g in Ground}
    if any(v not in known for v in values):
        return [], [_l("Choose the grounds from the list.")]
    return sorted(set(values), key=[g.value for g in Ground].index), []


def refer(
    case: Case,
    actor,
    *,
    agency=None,
    grounds="",
    evidence=None,
    ground_kinds=None,
    override="",
    mediation_id=None,
) -> Referral:
    """Decide to refer a lead of ``case`` to ``agency`` (an id): state ``proposed``, recorded in the
    case's chain, the send clock started. Every reason it cannot be decided is given at once."""
    from app.cases.services import CaseNotFound, lock_case
    from app.clocks.services import apply_ops

    if not can_see_case(actor, case):
        raise CaseNotFound(_l("Case not found."))
    case = lock_case(case)
    reasons = eligibility(case, actor)
    if actor.role not in STARTERS or not centre_in_scope(actor, case.centre):
        raise ActionRefused(reasons, forbidden=True)
    chosen = None
    if isinstance(agency, Agency):
        chosen = agency
    elif agency not in (None, "") and not isinstance(agency, bool):
        try:
            chosen = db.session.get(Agency, int(agency))
        except (TypeError, ValueError, OverflowError):
            chosen = None
    if chosen is None or not chosen.is_active:
        reasons.append(_l("Choose an agency of the directory."))
    if chosen is not None and _open_referral_to(case, chosen):
        reasons.append(_l("A referral of this case to this agency is already under way."))
    if not isinstance(grounds, str) or not grounds.strip():
        reasons.append(_l("State the grounds for referring the lead."))
    elif len(grounds) > workflow.MAX_TEXT:
        reasons.append(_l("The grounds are too long (at most %(n)d characters).", n=workflow.MAX_TEXT))
    files, problems = _evidence(case, evidence)
    reasons.extend(problems)
    kinds, problems = _ground_kinds(ground_kinds)
    reasons.extend(problems)
    if not isinstance(override, str):
        override = ""
    mismatch = []
    right = referred_right(case)
    if chosen is not None and right is not None:
        from app.agencies.queries import mismatch_reasons

        mismatch = [str(m) for m in mismatch_reasons(chosen, case.centre, right.type)]
        if mismatch and not override.strip():
            reasons.append(
                _l(
                    "This agency does not fit: %(why)s. Choose a competent agency, or give a comment for the "
                    "supervisor to keep it.",
                    why="; ".join(mismatch),
                )
            )
    if mediation_id not in (None, ""):
        from app.core.views import MAX_ID
        from app.mediation.models import Mediation

        wanted = str(mediation_id)
        m = None
        if wanted.isascii() and wanted.isdigit() and 0 < int(wanted) <= MAX_ID:
            m = db.session.get(Mediation, int(wanted))
        if m is None or m.case_id != case.id:
            reasons.append(_l("The mediation named is not one of this case."))
    if reasons:
        raise ActionRefused(reasons)
    respondent = next(x for x in case.respondents if (x.name or "").strip())
    now = utcnow()
    r = Referral(
        case=case,
        case_id=case.id,
        centre_id=case.centre_id,
        agency_id=chosen.id,
        agency=chosen,
        mediation_id=int(mediation_id) if mediation_id not in (None, "") else None,
        state=ReferralState.PROPOSED,
        ip_type=right.type,
        right_number=right.number or "",
        right_title=(right.title or "")[:200],
        respondent_name=respondent.name,
        respondent_credit_code=respondent.credit_code or "",
        respondent_address=(respondent.address or "")[:300],
        facts=(case.facts or "").strip(),
        grounds=grounds.strip(),
        ground_kinds=kinds,
        legal_basis=LEGAL_BASIS.get(chosen.kind.value, LEGAL_BASIS["other"]),
        evidence=files,
        earlier_cases=_earlier(case, respondent) if Ground.REPEAT.value in kinds else [],
        mismatch=mismatch,
        override_comment=override.strip() if mismatch else "",
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        chase_count=0,
        police_steps=[],
    )
    db.session.add(r)
    db.session.flush()
    record_event(
        case,
        actor,
        "create_referral",
        from_state=None,
        to_state=ReferralState.PROPOSED,
        comment=r.grounds,
        data={"agency": chosen.name, "evidence": len(files), "grounds": kinds, "mismatch": bool(mismatch)},
        internal=True,
        subject_type="referral",
        subject_id=r.id,
        subject=r,
    )
    apply_ops(case, (start("send"),), actor, now, subject_type="referral", subject_id=r.id, subject=r)
    db.session.flush()
    return r


# ---- deadlines ---------------------------------------------------------------------------------------------


def _send_span(case, r, now):
    return ClockSpan(
        setting_value(case.centre, "referral_transfer_working_days"), ClockUnit.WORKING_DAYS, r.created_by_id
    )


def _chase_span(case, r, now):
    return ClockSpan(setting_value(case.centre, "referral_chase_days"), ClockUnit.CALENDAR_DAYS, r.created_by_id)


register_span(ClockName.SEND, _send_span)
register_span(ClockName.CHASE, _chase_span)


def referral_clocks(r: Referral) -> list[CaseClock]:
    return list(
        db.session.execute(
            select(CaseClock)
            .where(CaseClock.subject_type == "referral", CaseClock.subject_id == r.id)
            .order_by(CaseClock.started_at, CaseClock.id)
        ).scalars()
    )
