"""The privacy notice (its version) and consent to it (PIPL arts. 13–17).

The notice's text is the template ``privacy/_notice.html``; its version is written here and changes
whenever the text changes in substance, so that applicants are asked again. Applicants consent at
registration; an applicant whose account was created otherwise (by staff, by the demo seed, through
the API) is asked once at their next login, and the pages wait until they agree. Staff are not asked:
their accounts are processed for their employment.
"""

from __future__ import annotations

from app.auth.models import Role, User
from app.core.db import utcnow
from app.extensions import db

# The notice's version: bump it when its text changes in substance (applicants are asked again).
NOTICE_VERSION = "2026-12"

# The legal minimum the notice promises: case records are kept at least this many years after the case
# closes (民法典 第一百八十八条: the three-year limitation period).
MINIMUM_RETENTION_YEARS = 3


def needs_consent(user) -> bool:
    """An active applicant who has not agreed to the current version of the notice."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role is Role.APPLICANT
        and user.closed_at is None
        and user.privacy_notice_version != NOTICE_VERSION
    )


def record_consent(user: User) -> None:
    """Record that ``user`` agreed to the current notice now. Flushes; the caller commits."""
    user.privacy_consented_at = utcnow()
    user.privacy_notice_version = NOTICE_VERSION
    db.session.flush()
