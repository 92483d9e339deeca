"""Encrypting tokens at rest: AES-256-GCM, the row's id as associated data, keys kept outside the database.

A ciphertext reads `<key id>.<base64 nonce+ciphertext>`. The first key encrypts; every key decrypts,
so keys can be rotated by putting a new one first. A ciphertext copied to another row fails.
"""
import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class TokenDecryptionError(Exception):
    """The ciphertext was made with an unknown key, for another row, or was altered."""


def generate_key() -> str:
    """A new key entry for TOKEN_ENCRYPTION_KEYS: `<id>:<base64 32 bytes>`."""
    return f"{base64.urlsafe_b64encode(os.urandom(3)).decode()}:{base64.urlsafe_b64encode(AESGCM.generate_key(256)).decode()}"


class TokenCipher:
    def __init__(self, keys: str):
        """`keys`: comma-separated `<id>:<base64 key>` entries, the first one current."""
        self._keys: dict[str, AESGCM] = {}
        for entry in filter(None, (part.strip() for part in keys.split(","))):
            key_id, _, encoded = entry.partition(":")
            raw = base64.urlsafe_b64decode(encoded)
            if not key_id or len(raw) != 32:
                raise ValueError("Each token key must be '<id>:<base64 of 32 bytes>'.")
            self._keys[key_id] = AESGCM(raw)
        if not self._keys:
            raise ValueError("At least one token encryption key is required.")
        self._current = next(iter(self._keys))

    def encrypt(self, plaintext: str, *, bound_to: str) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), bound_to.encode())
        return f"{self._current}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, bound_to: str) -> str:
        key_id, _, encoded = token.rpartition(".")  # base64 has no dot; a key id may
        key = self._keys.get(key_id)
        if key is None:
            raise TokenDecryptionError(f"unknown key id {key_id!r}")
        try:
            blob = base64.urlsafe_b64decode(encoded)
            return key.decrypt(blob[:12], blob[12:], bound_to.encode()).decode()
        except (InvalidTag, ValueError) as error:
            raise TokenDecryptionError("ciphertext does not match its row or was altered") from error
