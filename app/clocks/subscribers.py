"""The clocks' part of every workflow action: the subscriber the one door signals.

Connected once by ``create_app``; the door (``app.core.engine``) never imports this module.
"""

from __future__ import annotations

from app.core import engine


def on_applying(workflow, applied) -> None:
    """Carry out the action's clock operations before its event is recorded (no flush), on the
    clocks of its subject, handled under the subject's case (``Door.case_of``)."""
    from app.clocks.services import apply_ops

    case = applied.door.case_of(applied.subject)
    if case is None:
        return
    apply_ops(
        case,
        applied.action.clocks,
        applied.actor,
        applied.now,
        subject_type=workflow.name,
        subject_id=applied.subject.id,
        subject=applied.subject,
    )


def connect() -> None:
    engine.applying.connect(on_applying)
