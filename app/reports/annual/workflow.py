"""The annual report on SME work as a rule table on the engine (``app.core.workflow``).

draft (prepared on 1 January with the year's figures; the centre's supervisors ``save`` its five
sections as often as they like and may ``refresh_figures``) → submitted (``submit``: refused while a
section is empty, naming each) → issued (``approve`` by a supervisor of the centre above, or for the
national centre by its administrator: the PDF is issued through the one renderer) — or back to draft
(``return``, saying why). An issued report is read-only.

Which person of a role may act is a matter of centres, not roles: the report's door
(``app.reports.annual.services.AnnualDoor.beyond_scope``) opens the writing actions to the supervisors
of the report's centre only and the review to the supervisors of the centre above only. Every event
is internal (no applicant ever sees a report's chain).
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.auth.models import Role
from app.cases.enums import DocumentKind
from app.core.workflow import Action, Input, Notify, Workflow, guard
from app.reports.annual.models import MAX_SECTION, SECTIONS, AnnualState

S = AnnualState
WRITERS = frozenset({Role.SUPERVISOR})
REVIEWERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
#: The actions of the report's own centre, and those of the centre above.
WRITING = frozenset({"save", "refresh_figures", "submit"})
REVIEW = frozenset({"approve", "return"})


def normalise(text) -> str:
    """A section as kept: line ends as ``\\n``, no blank margin around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _reader(name: str):
    return lambda form: form.get(name)


SECTION_INPUTS = tuple(
    Input(
        name,
        label,
        {"type": ["string", "null"], "maxLength": MAX_SECTION},
        "textarea",
        _reader(name),
        required=False,
        dom_id=f"section-{name}",
    )
    for name, label in SECTIONS
)


class _Listed:
    """Labels joined in the reader's language when shown (、 in Chinese)."""

    def __init__(self, labels):
        self.labels = list(labels)

    def __str__(self) -> str:
        locale = get_locale()
        sep = "、" if locale is None or locale.language == "zh" else ", "
        return sep.join(str(label) for label in self.labels)


def sections_after(report, data) -> dict[str, str]:
    """The sections as they will stand once the input given is applied (a section not given stays)."""
    data = data or {}
    out = {}
    for name, _label in SECTIONS:
        given = data.get(name)
        out[name] = normalise(given) if isinstance(given, str) else (getattr(report, name) or "")
    return out


# ---- guards -------------------------------------------------------------------------------------------------


@guard(_l("each section given is text of at most 20,000 characters"), needs_input=True)
def sections_fit(report, actor, ctx):
    data = ctx.data or {}
    for name, label in SECTIONS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return _l("The section “%(section)s” must be text.", section=label)
        if len(value) > MAX_SECTION:
            return _l("The section “%(section)s” is too long (at most %(n)d characters).", section=label, n=MAX_SECTION)
    return None


@guard(_l("every section is written"))
def every_section_written(report, actor, ctx):
    after = sections_after(report, ctx.data)
    empty = [label for name, label in SECTIONS if not after[name]]
    if empty:
        return _l("Write every section before submitting. Still empty: %(sections)s.", sections=_Listed(empty))
    return None


# ---- effects (the services own the report's fields) ---------------------------------------------------------


def _saved(a):
    from app.reports.annual.services import apply_sections

    return {"sections": apply_sections(a.subject, a.data)}


def _submitted(a):
    from app.reports.annual.services import apply_submission

    return apply_submission(a)


def _returned(a):
    a.subject.return_note = a.comment
    return None


def _approved(a):
    a.subject.approved_at = a.now
    a.subject.approved_by_id = a.actor.id
    a.subject.approved_by = a.actor
    a.subject.return_note = ""
    return None


def _refreshed(a):
    from app.reports.annual.services import apply_figures

    return apply_figures(a.subject, a.now)


# ---- who is told ---------------------------------------------------------------------------------------------


def _reviewers(a):
    from app.reports.annual.services import reviewers_of

    return reviewers_of(a.subject)


def _writers(a):
    from app.reports.annual.services import writers_of

    return [i for i in writers_of(a.subject) if i != a.actor.id]


def _params(a):
    return {"centre": a.subject.centre.name_zh, "year": a.subject.year, "comment": a.comment}


# ---- the rule table -----------------------------------------------------------------------------------------

ACTIONS = (
    Action(
        "save",
        frozenset({S.DRAFT}),
        None,
        WRITERS,
        _l("Save the sections"),
        guards=(sections_fit,),
        inputs=SECTION_INPUTS,
        effects=_saved,
        visible_to_applicant=False,
        style="secondary",
    ),
    Action(
        "refresh_figures",
        frozenset({S.DRAFT}),
        None,
        WRITERS,
        _l("Take the figures again"),
        effects=_refreshed,
        visible_to_applicant=False,
        style="secondary",
        confirm=_l("Take the year's figures again as they stand now?"),
    ),
    Action(
        "submit",
        frozenset({S.DRAFT}),
        S.SUBMITTED,
        WRITERS,
        _l("Submit for approval"),
        guards=(sections_fit, every_section_written),
        inputs=SECTION_INPUTS,
        effects=_submitted,
        notifies=(Notify("annual_report_submitted", _reviewers, _params),),
        visible_to_applicant=False,
        style="primary",
    ),
    Action(
        "return",
        frozenset({S.SUBMITTED}),
        S.DRAFT,
        REVIEWERS,
        _l("Return for changes"),
        effects=_returned,
        notifies=(Notify("annual_report_returned", _writers, _params),),
        comment_required=True,
        comment_label=_l("What should change"),
        visible_to_applicant=False,
        style="warning",
    ),
    Action(
        "approve",
        frozenset({S.SUBMITTED}),
        S.ISSUED,
        REVIEWERS,
        _l("Approve and issue"),
        effects=_approved,
        issues=DocumentKind.ANNUAL_REPORT,
        notifies=(Notify("annual_report_issued", _writers, _params),),
        visible_to_applicant=False,
        style="success",
        confirm=_l("Approve the report and issue it as a PDF? It cannot be changed afterwards."),
    ),
)


def _wrong_state(state):
    return _l("Not possible while the report is “%(state)s”.", state=state.label)


ANNUAL = Workflow(
    "annual_report",
    list(S),
    ACTIONS,
    S.DRAFT,
    label=_l("Annual report on SME work"),
    wrong_state=_wrong_state,
)
