"""TLS for every listener of `ledgerd serve` from the same three options (docs/security.md, "TLS"):
the server's certificate chain and key, and optionally the CA whose certificates clients must
present (mTLS; a client without one, or with one another CA signed, fails the handshake). Without a
certificate the server speaks plaintext and says so when it starts."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import grpc

PLAINTEXT_NOTICE = (
    "TLS is off: serving plaintext (API keys cross the network in clear); give --tls-cert and --tls-key to serve TLS"
)


@dataclass(frozen=True)
class TlsFiles:
    cert: Path  # PEM: the server's certificate, then any intermediates
    key: Path  # PEM: its private key
    client_ca: Path | None = None  # PEM: the CA that signs client certificates (mTLS)

    def describe(self) -> str:
        return "TLS with client certificates (mTLS)" if self.client_ca else "TLS"


def grpc_server_credentials(tls: TlsFiles) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(tls.key.read_bytes(), tls.cert.read_bytes())],
        root_certificates=tls.client_ca.read_bytes() if tls.client_ca else None,
        require_client_auth=tls.client_ca is not None,
    )


def server_ssl_context(cert: Path | None, key: Path | None, client_ca: Path | None = None) -> ssl.SSLContext | None:
    """The same three options as an ssl.SSLContext, for an HTTP listener (aiohttp's `ssl=`); None
    without a certificate (plaintext)."""
    if cert is None:
        return None
    assert key is not None, "a certificate needs its key"
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.load_verify_locations(cafile=client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def tls_files(cert: Path | None, key: Path | None, client_ca: Path | None) -> TlsFiles | None:
    """The command line's three options checked together: a certificate and its key, or neither."""
    if cert is None and key is None:
        if client_ca is not None:
            raise ValueError("--tls-client-ca needs --tls-cert and --tls-key")
        return None
    if cert is None or key is None:
        raise ValueError("--tls-cert and --tls-key go together")
    files = TlsFiles(cert, key, client_ca)
    for path in (cert, key, client_ca):
        if path is not None and not path.is_file():
            raise ValueError(f"no such file: {path}")
    return files
