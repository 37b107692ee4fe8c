"""A notification for one user: shown in the app (with an unread count) and e-mailed when SMTP is
configured. The text is written when it is read, in the reader's language, from ``kind`` and ``params``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import Base, UTCDateTime, utcnow


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # What it is about, of any workflow (a case, later a mediation, a visit…); None for an account's own.
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column()
    # clock_due_soon | clock_breached | handover_offered | handover_accepted | handover_declined
    # | transfer_offered | transfer_accepted | transfer_declined | registration_attempt
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the e-mail was accepted by the mail server (the e-mail delivery's ``sent_at``, kept here
    # for the lists); None while it is owed, failed, or when no e-mail is sent.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The feedback this notification carries to an applicant: the trigger of the case's feedback
    # clock (``accept``, ``decline``, ``resolve``) that is met once it is delivered or read.
    informs: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()
    deliveries: Mapped[list[NotificationDelivery]] = relationship(
        back_populates="notification", cascade="all, delete-orphan", order_by="NotificationDelivery.id"
    )


class NotificationDelivery(Base):
    """One notification sent through one channel beside the app (``email``, ``sms``): owed until
    the channel accepts it, retried with a growing wait when it fails, and after the last attempt
    kept as failed with its error, so nothing is lost and staff can see who was not reached."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_notification_deliveries_notification_channel"),
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state_values"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_notification_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    # Not before this time: the next try, or a claim's expiry while one sender is at it.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")
