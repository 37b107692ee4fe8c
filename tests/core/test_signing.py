"""Signing issued PDFs with the centre's certificate (PAdES, pyHanko), checked with pyHanko's validation."""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from app.cases import documents
from app.cases.models import Document
from app.core import signing, storage
from app.core.errors import ServiceError

PASSPHRASE = "centre-cert-passphrase"


@pytest.fixture(autouse=True)
def _documents_use_this_app(app):
    documents.remember_app(app)


def self_signed() -> tuple[bytes, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "CA维权援助中心"), x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, True, False, False, False), critical=True
        )  # digital signature, non-repudiation, certificate signing
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"centre", key, cert, None, serialization.BestAvailableEncryption(PASSPHRASE.encode())
    )
    return data, cert


def text_of(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode().split())


def test_a_centre_with_a_certificate_issues_signed_pdfs_that_validate(world, make_case, session, app):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    p12, cert = self_signed()
    with app.app_context():
        signing.set_certificate(world.users["admin"], world.city, p12, PASSPHRASE)
        session.commit()
        kept = storage.absolute(world.city.signing_certificate)
        assert oct(os.stat(kept).st_mode & 0o777) == "0o600"
        assert PASSPHRASE.encode() not in kept.read_bytes()
        with pytest.raises(ValueError):  # the kept file does not open with the administrator's passphrase
            pkcs12.load_key_and_certificates(kept.read_bytes(), PASSPHRASE.encode())
    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    session.expire_all()
    doc = session.execute(select(Document).where(Document.case_id == case.id)).scalar_one()
    data = documents.read_document(doc)
    assert doc.is_signed and hashlib.sha256(data).hexdigest() == doc.sha256  # the hash of the signed file

    [signature] = PdfFileReader(BytesIO(data)).embedded_signatures
    root = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.signing_cert.subject.native["common_name"] == "CA维权援助中心"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert "电子签名" in text_of(data)


def test_a_centre_without_a_certificate_issues_unsigned_pdfs_that_claim_nothing(world, make_case, session):
    from pyhanko.pdf_utils.reader import PdfFileReader

    case = make_case(world.applicant, world.enterprise, state="accepted", staff=world.users["caseworker"])
    session.expire_all()
    doc = session.execute(select(Document).where(Document.case_id == case.id)).scalar_one()
    data = documents.read_document(doc)
    assert not doc.is_signed and PdfFileReader(BytesIO(data)).embedded_signatures == []
    assert "签名" not in text_of(data)


def test_a_wrong_passphrase_or_a_file_without_a_key_is_refused(world, app, session):
    p12, cert = self_signed()
    with app.app_context():
        with pytest.raises(ServiceError):
            signing.set_certificate(world.users["admin"], world.city, p12, "wrong")
        only_cert = pkcs12.serialize_key_and_certificates(
            b"x", None, None, [cert], serialization.BestAvailableEncryption(b"pw")
        )
        with pytest.raises(ServiceError):
            signing.set_certificate(world.users["admin"], world.city, only_cert, "pw")
        with pytest.raises(ServiceError):  # not an administrator
            signing.set_certificate(world.users["caseworker"], world.city, p12, PASSPHRASE)
    assert world.city.signing_certificate is None


def test_the_administrator_gives_shows_and_clears_a_certificate_from_the_command_line(world, app, session, tmp_path):
    p12, _cert = self_signed()
    path = tmp_path / "centre.p12"
    path.write_bytes(p12)
    runner = app.test_cli_runner()
    given = runner.invoke(
        args=["signing-cert", "set", "--centre", "ca", "--file", str(path), "--passphrase", PASSPHRASE]
    )
    assert given.exit_code == 0, given.output
    shown = runner.invoke(args=["signing-cert", "show", "--centre", "CA"])
    assert "CA维权援助中心" in shown.output and "valid" in shown.output
    wrong = runner.invoke(args=["signing-cert", "set", "--centre", "CA", "--file", str(path), "--passphrase", "nope"])
    assert wrong.exit_code != 0 and "PKCS#12" in wrong.output
    cleared = runner.invoke(args=["signing-cert", "clear", "--centre", "CA"])
    assert cleared.exit_code == 0
    session.expire_all()
    assert world.city.signing_certificate is None


def test_a_document_is_signed_in_a_thread_where_an_event_loop_runs(world, app, session):
    """pyhanko starts an event loop of its own: where one already runs (an async server, a browser driven
    through Playwright's synchronous API) the signing must still work."""
    import asyncio

    from pyhanko.pdf_utils.reader import PdfFileReader
    from weasyprint import HTML

    p12, _cert = self_signed()
    with app.app_context():
        signing.set_certificate(world.users["admin"], world.city, p12, PASSPHRASE)
        session.commit()
        unsigned = HTML(string="<p>受理通知书</p>").write_pdf()

        async def inside_a_running_loop():
            return signing.sign_if_configured(unsigned, world.city)

        signed, was_signed = asyncio.run(inside_a_running_loop())
    assert was_signed
    assert len(PdfFileReader(BytesIO(signed)).embedded_signatures) == 1
