"""``GET /verify/<code>``: is this a document a centre issued? (no login)

Anyone holding an issued PDF (a court, a platform, the respondent) opens the link of its QR code
or types its code. The answer names the kind of document, its number, the issuing centre, the
date and the SHA-256 of the file as issued, and nothing about the people or the matter (no
enterprise, no person, no case number). A visitor may also upload the PDF they hold to compare
its fingerprint with the issued one.

A code that does not exist gets one plain "not found" (404), the same for a near miss, a
malformed code or a document whose stored file was removed; codes are read case-blind and without
dashes or spaces. Guessing is hopeless (80 random bits) and throttled anyway: every request here
counts against ``VERIFY_RATE_LIMIT`` per client address.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from app.cases.models import Document
from app.centres.models import Centre
from app.core.document_numbers import grouped, normalise_code
from app.core.forms import AppForm
from app.core.workdays import china_day
from app.extensions import db, limiter

bp = Blueprint("verify", __name__)

CHUNK = 64 * 1024


def _limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


class CheckFileForm(AppForm):
    """Only the CSRF token: the file is read from ``request.files`` by streaming its hash."""


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]
    )


def _find(code: str):
    normal = normalise_code(code)
    if normal is None:
        return None
    return db.session.execute(
        select(Document, Centre)
        .join(Centre, Centre.id == Document.centre_id)
        .where(Document.verification_code == normal)
    ).first()


def _facts(document: Document, centre: Centre) -> dict:
    return {
        "kind": document.kind.value,
        "kind_label": str(document.kind.label),
        "number": document.number,
        "centre": {"code": centre.code, "name": centre.name},
        "issued_on": china_day(document.created_at).isoformat(),
        "issued_on_text": format_date(china_day(document.created_at), "long"),
        "sha256": document.sha256,
        "size": document.size,
        "signed": bool(document.is_signed),
        "code": grouped(document.verification_code),
    }


def _not_found():
    if _wants_json():
        return jsonify({"status": "not_found"}), 404
    return render_template("verify/not_found.html"), 404


@bp.get("/verify")
@limiter.limit(_limit)
def start():
    """The page to type a code on; a typed code goes to its own page."""
    code = (request.args.get("code") or "").strip()[:64]
    if code:
        normal = normalise_code(code)
        return redirect(url_for("verify.check", code=grouped(normal) if normal else code), 303)
    return render_template("verify/start.html")


@bp.route("/verify/<code>", methods=["GET", "POST"])
@limiter.limit(_limit)
def check(code: str):
    found = _find(code)
    if found is None:
        return _not_found()
    facts = _facts(*found)
    if _wants_json() and request.method == "GET":
        body = {**facts, "status": "genuine"}
        body.pop("issued_on_text")
        return jsonify(body)
    form = CheckFileForm()
    match = None
    if request.method == "POST":
        upload = request.files.get("file")
        if not form.validate_on_submit():
            return render_template("verify/show.html", facts=facts, form=form, match=None), 400
        if upload is None or not upload.filename:
            form.form_errors.append(_("Choose the PDF file you want to compare."))
            return render_template("verify/show.html", facts=facts, form=form, match=None), 422
        digest = hashlib.sha256()
        for chunk in iter(lambda: upload.stream.read(CHUNK), b""):
            digest.update(chunk)
        match = digest.hexdigest() == facts["sha256"]
    return render_template("verify/show.html", facts=facts, form=form, match=match)
