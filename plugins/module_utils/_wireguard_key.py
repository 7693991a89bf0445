"""WireGuard keys: validate, derive the public half, generate where `wg` is missing.

Curve25519 comes from `cryptography`, which ansible-core already requires on
the controller; managed hosts normally use `wg genkey` / `wg pubkey` instead
and never need this import to succeed.
"""

from __future__ import annotations

import base64
import binascii

KEY_BYTES = 32


def decode_key(text):
    """Return the 32 raw bytes of a base64 WireGuard key; ValueError when it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError):
        raise ValueError("not base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"decodes to {len(raw)} bytes, a WireGuard key has {KEY_BYTES}")
    return raw


def _x25519():
    from cryptography.hazmat.primitives.asymmetric import x25519  # pylint: disable=import-outside-toplevel

    return x25519


def public_key(private_text):
    """The base64 public key of a base64 private key, as `wg pubkey` prints it."""
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel

    private = _x25519().X25519PrivateKey.from_private_bytes(decode_key(private_text))
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def generate_private_key():
    """A fresh base64 private key, as `wg genkey` prints it (cryptography clamps on use, like wg)."""
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel

    raw = _x25519().X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()
