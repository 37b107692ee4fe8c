"""The tracks handled under a case (a mediation, a plan, later a referral…) on the case page.

A feature registers a ``TrackPanel``: the template of its panel and a function that gives the
panel's context for one case and viewer (``None``: nothing to show them). The case page draws
every registered panel in order, so adding a process touches its own folder, not the case page.
Its events on the case's timeline are worded by the feature's ``templates/<feature>/_timeline_words.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TrackPanel:
    name: str
    template: str
    # (case, user) -> the panel's context (what its template reads as ``p``), or None to leave it out.
    context: Callable
    order: int = 50


PANELS: dict[str, TrackPanel] = {}

#: Per track: ``(case) -> [label, ...]``, what of that track is still open under the case (a case
#: is not closed while one is: its clocks would run on under a closed case, its actions be blocked).
OPEN_ITEMS: dict[str, Callable] = {}


def register_open_items(name: str, function: Callable) -> Callable:
    OPEN_ITEMS[name] = function
    return function


def open_items(case) -> list:
    """What is still open under ``case``, every track's, in the tracks' order."""
    return [item for name in sorted(OPEN_ITEMS) for item in OPEN_ITEMS[name](case)]


def register_panel(panel: TrackPanel) -> TrackPanel:
    PANELS[panel.name] = panel
    return panel


@dataclass(frozen=True)
class ShownPanel:
    name: str
    template: str
    context: dict


def panels_for(case, user) -> list[ShownPanel]:
    """The panels of ``case`` that ``user`` sees, in order."""
    shown = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(case, user)
        if context is not None:
            shown.append(ShownPanel(panel.name, panel.template, context))
    return shown
