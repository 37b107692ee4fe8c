"""Signing issued PDFs (PAdES, with pyHanko) with the issuing centre's certificate, when it has one.

An administrator gives a centre's certificate as a PKCS#12 file and its passphrase
(``flask --app wsgi signing-cert set --centre SZ --file centre.p12``, or
``set_certificate`` from a service). The passphrase is used once, to open the file and check
that it holds a private key and its certificate; the key is then written again as a new
PKCS#12 file under the storage root (``signing/<centre code>-<random>.p12``, mode 0600, a
folder of mode 0700), encrypted with a key derived from the server's secret
(``SIGNING_KEY_SECRET``, else ``SECRET_KEY``, through HKDF). So no passphrase is stored
anywhere, a copy of the storage alone does not give the key, and rotating the server secret
only means giving the certificate again. ``Centre.signing_certificate`` names the file.

A centre without a certificate issues unsigned documents, and they say nothing about a
signature. The sha256 recorded for a document is always that of the file as kept (signed).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core import storage
from app.core.errors import ServiceError

log = logging.getLogger(__name__)

AREA = "signing"


def _wrapping_password() -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = current_app.config.get("SIGNING_KEY_SECRET") or current_app.config["SECRET_KEY"]
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ipaid centre signing key v1").derive(
        secret.encode() if isinstance(secret, str) else secret
    )
    return base64.urlsafe_b64encode(key)


def configured(centre) -> bool:
    return bool(centre is not None and centre.signing_certificate)


def _store_private(data: bytes, centre_code: str) -> str:
    folder = storage.root() / AREA
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    relative = f"{AREA}/{centre_code.lower()}-{secrets.token_hex(8)}.p12"
    path = storage.absolute(relative)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return relative


def set_certificate(actor, centre, pkcs12: bytes, passphrase: str | bytes | None):
    """Check the PKCS#12 file and keep its key and certificate for ``centre``; returns the certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12

    from app.auth.models import Role
    from app.core.permissions import centre_in_scope

    if actor is not None and (actor.role is not Role.ADMIN or not centre_in_scope(actor, centre)):
        raise ServiceError(_l("You can only manage your centre and the centres below it."))
    if isinstance(passphrase, str):
        passphrase = passphrase.encode()
    try:
        key, cert, extra = p12.load_key_and_certificates(pkcs12, passphrase or None)
    except (ValueError, TypeError):
        raise ServiceError(
            _l("The certificate file could not be opened: check that it is a PKCS#12 file and the passphrase."),
            field="certificate",
        ) from None
    if key is None or cert is None:
        raise ServiceError(
            _l("The certificate file must hold the private key and its certificate."), field="certificate"
        )
    usage = None
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        pass
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise ServiceError(_l("This certificate may not be used for signing."), field="certificate")
    wrapped = p12.serialize_key_and_certificates(
        centre.code.encode(), key, cert, extra or None, BestAvailableEncryption(_wrapping_password())
    )
    old = centre.signing_certificate
    centre.signing_certificate = _store_private(wrapped, centre.code)
    if old:
        storage.remove(old)
    return cert


def clear_certificate(centre) -> None:
    old = centre.signing_certificate
    centre.signing_certificate = None
    if old:
        storage.remove(old)


def certificate_of(centre):
    """The centre's certificate (``cryptography`` object), or None."""
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12

    if not configured(centre):
        return None
    data = storage.absolute(centre.signing_certificate).read_bytes()
    return p12.load_key_and_certificates(data, _wrapping_password())[1]


def _signer(centre):
    from pyhanko.sign import signers

    path = Path(storage.absolute(centre.signing_certificate))
    signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=_wrapping_password())
    if signer is None:
        raise RuntimeError(f"the signing certificate of {centre.code} cannot be loaded")
    return signer


def sign_if_configured(data: bytes, centre) -> tuple[bytes, bool]:
    """``data`` signed (PAdES baseline B) with the centre's certificate, or as it is when it has none."""
    if not configured(centre):
        return data, False
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name="CentreSignature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=centre.name_zh,
        location=centre.address or None,
    )
    signer = _signer(centre)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        out = signers.sign_pdf(writer, meta, signer=signer)
    else:
        # pyhanko's synchronous API runs an event loop of its own (asyncio.run), which cannot start in a
        # thread where one is running (an async server; a test driving a browser through Playwright's
        # synchronous API): sign in a thread of its own then.
        with ThreadPoolExecutor(max_workers=1) as pool:
            out = pool.submit(signers.sign_pdf, writer, meta, signer=signer).result()
    return out.getvalue(), True


def register_signing_cli(app) -> None:
    """``flask --app wsgi signing-cert set|show|clear --centre CODE``: the administrator's side."""
    import click
    from flask.cli import AppGroup
    from sqlalchemy import select

    from app.centres.models import Centre
    from app.extensions import db

    group = AppGroup("signing-cert", help="The certificates centres sign their documents with.")

    def centre_of(code: str) -> Centre:
        centre = db.session.execute(select(Centre).where(Centre.code == code.strip().upper())).scalar_one_or_none()
        if centre is None:
            raise click.ClickException(f"No centre with the code {code}.")
        return centre

    @group.command("set")
    @click.option("--centre", "code", required=True, help="The centre's code, e.g. SZ.")
    @click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False), help="PKCS#12 file.")
    @click.password_option("--passphrase", confirmation_prompt=False, help="The file's passphrase (prompted).")
    def set_command(code: str, path: str, passphrase: str):
        """Sign the centre's documents from now on with the key and certificate of a PKCS#12 file."""
        centre = centre_of(code)
        try:
            cert = set_certificate(None, centre, Path(path).read_bytes(), passphrase)
        except ServiceError as exc:
            raise click.ClickException(str(exc.message)) from None
        db.session.commit()
        click.echo(f"{centre.code}: documents are now signed as {cert.subject.rfc4514_string()}.")

    @group.command("show")
    @click.option("--centre", "code", required=True)
    def show_command(code: str):
        """Print the centre's certificate (subject, validity), or that it has none."""
        cert = certificate_of(centre_of(code))
        if cert is None:
            click.echo(f"{code}: no certificate; documents are issued unsigned.")
            return
        click.echo(
            f"{code}: {cert.subject.rfc4514_string()}, valid "
            f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d}."
        )

    @group.command("clear")
    @click.option("--centre", "code", required=True)
    def clear_command(code: str):
        """Stop signing the centre's documents (the kept key is deleted)."""
        centre = centre_of(code)
        clear_certificate(centre)
        db.session.commit()
        click.echo(f"{centre.code}: documents are issued unsigned from now on.")

    app.cli.add_command(group)
