"""Notifications an action declares (``Action.notifies``), written once the one door has
recorded its event. Connected once by ``create_app``; the door never imports this module."""

from __future__ import annotations

from app.core import engine


def on_applied(workflow, applied) -> None:
    from app.notifications.services import notify

    case = applied.door.case_of(applied.subject)
    for spec in applied.action.notifies:
        params = spec.params(applied) if spec.params is not None else {}
        notify(
            spec.recipients(applied),
            spec.kind_for(applied),
            case,
            params,
            subject=applied.subject,
            subject_type=workflow.name,
            informs=spec.informs,
        )


def connect() -> None:
    engine.applied.connect(on_applied)
