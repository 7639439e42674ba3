"""A testbed's PKI for OVSDB over TLS (settings.tls): a CA of its own and a key and certificate
per node, made on the host with the cryptography library (no ovs-pki run, no openssl command
lines assembled), kept in runs/NAME/pki/ and put into each node at /etc/openvswitch/pki/.

    pki = Pki.create("l3-tls")              # the testbed's CA
    key, cert = pki.issue("gw1")            # PEMs for one node (CN = its name)
    install(node, key, cert, pki.ca_pem)    # into the node, where node-init and the tools look
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..runtime.base import Node

# cryptography is imported where a PKI is made or read: every client of the DB tools' options
# imports this module, and the command line starts faster without it

DIR = "/etc/openvswitch/pki"  # per node: the netns runtime mounts a tmpfs there for each
KEY, CERT, CA = f"{DIR}/key.pem", f"{DIR}/cert.pem", f"{DIR}/ca.pem"
"""where node-init (the servers, northd), ovn-controller (the chassis' OVS SSL row) and the DB
tools find them in a node"""
OPTIONS = [f"--private-key={KEY}", f"--certificate={CERT}", f"--ca-cert={CA}"]
"""the DB tools' and ovn-northd's TLS options"""
DAYS = 30


def _name(cn: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ovn-testbed"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass
class Pki:
    """A CA: its key and certificate (PEM)."""

    ca_key_pem: bytes
    ca_pem: bytes

    @classmethod
    def create(cls, testbed: str) -> Pki:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        name = _name(f"{testbed} CA")
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=DAYS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .sign(key, hashes.SHA256()))
        return cls(_pem_key(key), cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, cn: str) -> tuple[bytes, bytes]:
        """A key and a certificate signed by this CA for `cn` (a node's name), PEM."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        ca_key = serialization.load_pem_private_key(self.ca_key_pem, None)
        ca = x509.load_pem_x509_certificate(self.ca_pem)
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=DAYS))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .sign(ca_key, hashes.SHA256()))
        return _pem_key(key), cert.public_bytes(serialization.Encoding.PEM)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ca.pem").write_bytes(self.ca_pem)
        key = folder / "ca-key.pem"
        key.touch(mode=0o600)
        key.write_bytes(self.ca_key_pem)

    @classmethod
    def load(cls, folder: Path) -> Pki:
        return cls((folder / "ca-key.pem").read_bytes(), (folder / "ca.pem").read_bytes())


def install(node: Node, key: bytes, cert: bytes, ca: bytes) -> None:
    """The node's key (readable by root only), certificate and the CA, where OPTIONS point.
    The PEMs come in as positional parameters, never formatted into the script."""
    node.run(["sh", "-c", 'umask 077 && mkdir -p "$1" && printf %s "$2" > "$1/key.pem" && '
              'printf %s "$3" > "$1/cert.pem" && printf %s "$4" > "$1/ca.pem"', "sh", DIR,
              key.decode(), cert.decode(), ca.decode()])


def subject(cert_pem: str) -> str:
    """Who a PEM certificate names and who signed it, for messages."""
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return f"{cert.subject.rfc4514_string()}, issued by {cert.issuer.rfc4514_string()}"


def provision(testbed: str, folder: Path, nodes: dict[str, Node], names: list[str]) -> Pki:
    """A new CA for the testbed (kept in `folder`) and each named node's key and certificate
    installed, side by side."""
    from ..parallel import each

    ca = Pki.create(testbed)
    ca.save(folder)
    each(lambda n: install(nodes[n], *ca.issue(n), ca.ca_pem), names)
    return ca
