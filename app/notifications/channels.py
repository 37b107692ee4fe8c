"""The channels a notification travels through beside the app: e-mail, and SMS through a gateway.

A channel answers whether it is configured, the user's address on it (none: nothing is sent
there), and sends one message, raising ``ChannelError`` when it fails (the delivery is then
retried). ``confirms_delivery`` says whether a successful ``send`` means the message reached
the recipient's provider (an SMTP server or an SMS gateway that accepted it): only then does a
delivery count as the applicant having been told, for the feedback clock.

SMS has no real gateway here: ``SMS_CHANNEL = "log"`` writes each message to the log (for
development and demonstrations; it does not count as telling anyone), and an installation
plugs its gateway in with ``SMS_CHANNEL = "package.module:ClassName"``, a subclass of
``SmsChannel`` implementing ``send``.
"""

from __future__ import annotations

import importlib
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_app_context

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """The channel did not take the message; the text is kept on the delivery (no personal data)."""


class Channel:
    name = ""
    confirms_delivery = True

    def configured(self) -> bool:
        raise NotImplementedError

    def address(self, user) -> str:
        raise NotImplementedError

    def open(self):
        """A session for several messages (a context manager); the default needs none."""
        return _Nothing()

    def send(self, session, address: str, subject: str, body: str) -> None:
        raise NotImplementedError


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class EmailChannel(Channel):
    """Through the SMTP server of ``MAIL_SERVER``; accepted by it counts as delivered."""

    name = "email"

    def configured(self) -> bool:
        return bool(current_app.config.get("MAIL_SERVER"))

    def address(self, user) -> str:
        return user.email or ""

    def open(self):
        config = current_app.config
        try:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10)
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"mail server: {type(exc).__name__}: {exc}"[:300]) from None
        return smtp

    def send(self, session, address: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = current_app.config["MAIL_FROM"]
        message["To"] = address
        message.set_content(body)
        try:
            session.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"mail server: {type(exc).__name__}: {exc}"[:300]) from None


class SmsChannel(Channel):
    """The interface an SMS gateway implements: ``send`` one short text to a mobile number."""

    name = "sms"

    def configured(self) -> bool:
        return True

    def address(self, user) -> str:
        return (getattr(user, "phone", "") or "").strip()


class LoggingSmsChannel(SmsChannel):
    """Writes each SMS to the log instead of sending it: nobody is told, so it confirms nothing."""

    confirms_delivery = False

    def send(self, session, address: str, subject: str, body: str) -> None:
        log.info("SMS to %s…: %s", address[:3], body[:70])


def _sms_channel() -> Channel | None:
    setting = current_app.config.get("SMS_CHANNEL")
    if not setting:
        return None
    if setting == "log":
        return LoggingSmsChannel()
    module, _, name = str(setting).partition(":")
    cls = getattr(importlib.import_module(module), name)
    return cls()


def active_channels() -> list[Channel]:
    """The channels configured now, e-mail first (none outside an app: a script without one sends nothing)."""
    if not has_app_context():
        return []
    channels: list[Channel] = []
    email = EmailChannel()
    if email.configured():
        channels.append(email)
    sms = _sms_channel()
    if sms is not None and sms.configured():
        channels.append(sms)
    return channels


def channel_named(name: str) -> Channel | None:
    for channel in active_channels():
        if channel.name == name:
            return channel
    return None
