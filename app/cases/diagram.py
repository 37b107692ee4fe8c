"""The case workflow's diagram: the engine's drawing (``app.core.diagram``) of ``CASES``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.cases import workflow
from app.core import diagram as _drawing
from app.core.diagram import Layout, Node, _box, _within, guard_text  # noqa: F401 (the tests read them here)

# Every guard in words: each carries its own description (``app.core.workflow.guard``).
GUARD_TEXTS = {g: g.description for g in workflow.CASES.guards}


def layout() -> Layout:
    return _drawing.layout(workflow.CASES)


def workflow_svg() -> Markup:
    return _drawing.workflow_svg(
        workflow.CASES,
        title=_l("Case workflow"),
        description=_l("States as boxes, actions as arrows; the table below lists the same rules."),
        aside_text=lambda actions: _l(
            "Also open while a case is taken up, leaving its state as it is: %(actions)s.", actions=actions
        ),
    )
