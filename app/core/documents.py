"""The registry of documents a process issues, and their part of every workflow action.

A feature registers a ``DocumentSpec`` for each kind of document it issues: its template,
how its plain context is gathered, the language it is written in, and how an issued copy is
stored and recorded. An action that issues a document names its kind (``Action.issues``);
the subscriber here issues it once the one door has recorded the action's event. The door
never imports this module; ``create_app`` connects it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import has_app_context

from app.core import engine


@dataclass(frozen=True)
class DocumentSpec:
    """One kind of document: ``template`` under ``templates/pdf/``; ``gather(subject, kind,
    issued_at, actor)`` its context of plain values; ``language_of(subject)`` the language it is
    written in; ``issue(subject, kind, actor)`` renders, stores and records a copy; ``series`` the
    series of the issuing centre's document numbers it takes (受 for acceptance notices; None: the
    kind is not numbered). Every issued copy carries a verification code and its QR code
    (``app.core.document_numbers``) and, when the centre has a certificate, a signature
    (``app.core.signing``): ``finish`` below does both for any kind."""

    kind: Any
    template: str
    gather: Callable
    language_of: Callable
    issue: Callable
    series: str | None = None
    # A document for staff and its addressee only (a referral's letters carry the agency's reply link):
    # never listed or served to the applicant's side, and its issuing is an internal event.
    staff_only: bool = False


REGISTRY: dict[Any, DocumentSpec] = {}


def register(spec: DocumentSpec) -> DocumentSpec:
    REGISTRY[spec.kind] = spec
    return spec


def spec_of(kind) -> DocumentSpec:
    return REGISTRY[kind]


def staff_only_kinds() -> list:
    """The kinds only staff may list and download."""
    return [spec.kind for spec in REGISTRY.values() if spec.staff_only]


# ---- numbering, verification and signing: the same for every kind ------------------------------------


def stamp(kind, centre, issued_at):
    """Take the number (of the kind's series) and the verification code a copy issued now carries."""
    from app.core.document_numbers import stamp_for

    return stamp_for(centre, spec_of(kind).series, issued_at)


def stamp_context(kind, centre, issued_at, taken=None) -> dict:
    """What the templates show as ``stamp``: a taken stamp's number, code, link and QR code, or for a
    preview (``taken`` None) the number's look without its sequence and no code."""
    from app.core.document_numbers import Stamp, preview_number
    from app.core.workdays import china_day

    if taken is None:
        series = spec_of(kind).series
        shown = preview_number(centre, series, china_day(issued_at).year) if series else ""
        return Stamp(None, None, issued_at).context(shown)
    return taken.context()


def will_sign(centre) -> bool:
    from app.core import signing

    return signing.configured(centre)


def finish(data: bytes, centre) -> tuple[bytes, bool]:
    """The bytes to keep: signed with the centre's certificate when it has one; and whether signed."""
    from app.core import signing

    return signing.sign_if_configured(data, centre)


# ---- rendering outside a request ---------------------------------------------------------------------

_fallback_app = None


def remember_app(app) -> None:
    """The app whose templates, settings and storage documents use outside an app context (the last
    one created, as for the audit key): a service called from a script or a test still issues them."""
    global _fallback_app
    _fallback_app = app


@contextmanager
def app_context():
    """Rendering and storing need an app; the database work stays in the caller's session."""
    if has_app_context() or _fallback_app is None:
        yield
        return
    with _fallback_app.app_context():
        yield


# ---- the one door's subscriber -----------------------------------------------------------------------


def on_applied(workflow, applied) -> None:
    """Issue the document the action declares, once its event is recorded."""
    kind = applied.action.issues
    if kind is not None:
        REGISTRY[kind].issue(applied.subject, kind, applied.actor)


def connect() -> None:
    engine.applied.connect(on_applied)
