"""The clocks' part of every workflow action: the subscriber the one door signals.

Connected once by ``create_app``; the door (``app.core.engine``) never imports this module.
"""

from __future__ import annotations

from app.core import engine


def on_applying(workflow, applied) -> None:
    """Carry out the action's clock operations before its event is recorded (no flush)."""
    from app.cases.models import Case
    from app.clocks.services import apply_ops

    if isinstance(applied.subject, Case):
        apply_ops(applied.subject, applied.action.clocks, applied.actor, applied.now)


def connect() -> None:
    engine.applying.connect(on_applying)
