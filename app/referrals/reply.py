"""The signed reply link an agency answers through, without an account.

A token is 32 random bytes (URL-safe text), issued with the transfer letter and with each chase
letter, which print its link; only its SHA-256 is stored. It is bound to one referral and one
purpose (answering it): with it the agency sees what the letter already says and takes the
agency's actions of the rule table, nothing else of the case. It stops working when the referral
is over (closed, withdrawn, concluded, no case opened) or when staff revoke it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.referrals.enums import WITH_AGENCY
from app.referrals.models import Referral, ReferralReplyToken
from app.referrals.workflow import Party

log = logging.getLogger(__name__)
TOKEN_BYTES = 32


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(r: Referral, actor, now) -> str:
    """A new reply token of ``r`` (added to the session, not flushed); the raw token is kept on the
    referral object for the letter being issued (``fresh_token``) and returned."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        ReferralReplyToken(
            referral_id=r.id,
            token_hash=token_hash(raw),
            created_at=now,
            created_by_id=getattr(actor, "id", None),
            uses=0,
        )
    )
    r.__dict__["_fresh_token"] = raw  # not a mapped attribute: only this request's letter reads it
    return raw


def fresh_token(r: Referral) -> str | None:
    return r.__dict__.get("_fresh_token")


def reply_url(raw: str) -> str:
    from app.core.document_numbers import public_base_url
    from app.core.documents import app_context

    with app_context():
        return f"{public_base_url()}/agency-replies/{raw}"


def find(raw) -> ReferralReplyToken | None:
    """The token row of ``raw`` when it has the shape of one and exists (else None)."""
    if not isinstance(raw, str) or not 20 <= len(raw) <= 100 or not raw.isascii():
        return None
    return db.session.execute(
        select(ReferralReplyToken).where(ReferralReplyToken.token_hash == token_hash(raw))
    ).scalar_one_or_none()


def is_live(token: ReferralReplyToken | None) -> bool:
    """Whether the link still works: not revoked, and its referral still with the agency."""
    return token is not None and token.revoked_at is None and token.referral.state in WITH_AGENCY


def revoke_all(r: Referral, now) -> int:
    return db.session.execute(
        update(ReferralReplyToken)
        .where(ReferralReplyToken.referral_id == r.id, ReferralReplyToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass(frozen=True)
class AgencyActor:
    """The agency acting through its link: the pseudo-role ``Party.AGENCY``, bound to one referral.
    It has no user id, so its events carry no staff member as actor."""

    referral_id: int
    agency_name: str
    token_id: int
    role: Party = Party.AGENCY
    id: None = None
    is_staff: bool = False
    is_authenticated: bool = False
    name: str = ""
    locale: str = "zh_CN"

    @classmethod
    def of(cls, token: ReferralReplyToken) -> AgencyActor:
        return cls(token.referral_id, token.referral.agency.name, token.id, name=token.referral.agency.name)


# ---- the letter by e-mail --------------------------------------------------------------------------------


def email_letter(r: Referral, raw: str, document, *, chase: bool = False) -> None:
    """After the commit, e-mail the agency (when the directory has its address and mail is
    configured) the letter's number and the reply link; the PDF goes with it."""
    from flask import has_request_context

    address = (r.agency.email or "").strip()
    # Outside a request (a script, the demo data) nothing is mailed: the letter is sent by hand.
    if not address or not has_request_context() or not current_app.config.get("MAIL_SERVER"):
        return
    from app.core.requests import after_commit

    after_commit(_send_letter, r.id, document.id, address, reply_url(raw), chase)


def _send_letter(referral_id: int, document_id: int, address: str, link: str, chase: bool) -> None:
    from email.message import EmailMessage

    from app.cases.models import Document
    from app.core import storage
    from app.notifications.channels import ChannelError, EmailChannel

    r = db.session.get(Referral, referral_id)
    document = db.session.get(Document, document_id)
    if r is None or document is None:
        return
    centre = r.centre
    subject = ("催办函" if chase else "线索移送函") + f"（{document.number or ''}）— {centre.name_zh}"
    body = (
        f"{r.agency.name}：\n\n"
        f"{centre.name_zh}{'就前函所移送线索催请贵单位回复' if chase else '向贵单位移送知识产权侵权线索'}，"
        f"文号 {document.number or ''}，函件见附件。\n\n"
        f"请通过以下专用链接确认收函、告知是否立案及处理结果（无需注册账号；该链接仅用于本件移送）：\n{link}\n\n"
        f"联系人：{centre.contact_person or ''}  电话：{centre.phone or ''}\n"
    )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = address
    message.set_content(body)
    message.add_attachment(
        storage.absolute(document.storage_path).read_bytes(),
        maintype="application",
        subtype="pdf",
        filename=f"{document.number or 'letter'}.pdf",
    )
    channel = EmailChannel()
    try:
        with channel.open() as smtp:
            smtp.send_message(message)
    except (ChannelError, OSError) as exc:  # the letter is issued and can be sent again by hand
        log.warning("referral %s: the letter could not be e-mailed: %s", referral_id, exc)
