"""HTTPS to head office with a chain's own CA: trusted through ``--ca-bundle``, refused with
a clear message without it."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ledgerkit import member
from sqlalchemy import update
from storekit import Shop
from synckit import HeadOfficeDb

from salondesk.headoffice import service
from salondesk.headoffice.server import ServerThread
from salondesk.store.schema import SyncState
from salondesk.sync.client import SyncUnavailable
from salondesk.sync.link import enroll
from salondesk.sync.push import push
from salondesk.sync.status import read_status


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_chain(folder: Path) -> tuple[Path, Path, Path]:
    """A chain CA and a server certificate for 127.0.0.1 signed by it: (ca, cert, key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "玫瑰人生连锁 CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ho.local")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(_pem(key))
    return paths


def test_sync_over_https_trusts_the_chain_ca_given_and_only_that(
        shop: Shop, ho_db: HeadOfficeDb, tmp_path: Path) -> None:
    ca, cert, key = make_chain(tmp_path)
    with ServerThread(ho_db.engine, tls_cert=str(cert), tls_key=str(key)) as server:
        assert server.url.startswith("https://")
        _store_id, code = service.add_store(ho_db.engine, "TLS 店")
        with pytest.raises(SyncUnavailable, match="not trusted"):
            enroll(shop.owner, url=server.url, code=code)  # the system CAs do not know it
        link = enroll(shop.owner, url=server.url, code=code, ca_bundle=str(ca))
        assert link.ca_bundle == str(ca)
        result = push(shop.ctx)
        assert result.pending == 0 and result.acked_seq > 0
        assert service.store_summary(ho_db.engine, link.store_id)["acked_seq"] \
            == result.acked_seq
        with shop.ctx.db.write() as s:  # the CA is forgotten: refused, clearly
            s.execute(update(SyncState).values(ca_bundle=None))
        member(shop.owner, "新会员")
        with pytest.raises(SyncUnavailable, match="--ca-bundle"):
            push(shop.ctx)
    assert read_status(shop.ctx).online is False
