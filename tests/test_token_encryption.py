"""Xero tokens at rest: only the keys and the row they were sealed for open them; keys rotate by putting a new one
first."""
import base64

import pytest

from webapp.xero.crypto import TokenCipher, TokenDecryptionError, generate_key


def test_a_token_opens_only_for_its_own_row():
    cipher = TokenCipher(generate_key())
    sealed = cipher.encrypt("refresh-token", bound_to="connection:1")
    assert "refresh-token" not in sealed
    assert cipher.decrypt(sealed, bound_to="connection:1") == "refresh-token"
    with pytest.raises(TokenDecryptionError, match="^ciphertext does not match its row or was altered$"):
        cipher.decrypt(sealed, bound_to="connection:2")


def test_an_altered_token_does_not_open():
    cipher = TokenCipher(generate_key())
    key_id, _, blob = cipher.encrypt("refresh-token", bound_to="c").partition(".")
    raw = bytearray(base64.urlsafe_b64decode(blob))
    raw[-1] ^= 1
    with pytest.raises(TokenDecryptionError):
        cipher.decrypt(f"{key_id}.{base64.urlsafe_b64encode(bytes(raw)).decode()}", bound_to="c")
    with pytest.raises(TokenDecryptionError):
        cipher.decrypt(f"{key_id}.not base64!", bound_to="c")


def test_keys_rotate_the_first_one_seals_every_one_opens():
    old, new = generate_key(), generate_key()
    sealed_before = TokenCipher(old).encrypt("a", bound_to="c")
    rotated = TokenCipher(f" {new} , {old},")
    sealed_after = rotated.encrypt("b", bound_to="c")
    assert sealed_after.startswith(new.split(":")[0] + ".")
    assert rotated.decrypt(sealed_before, bound_to="c") == "a"
    with pytest.raises(TokenDecryptionError, match="unknown key id"):
        TokenCipher(old).decrypt(sealed_after, bound_to="c")


def test_a_key_id_may_hold_a_dot():
    cipher = TokenCipher("2026.12:" + generate_key().partition(":")[2])
    assert cipher.decrypt(cipher.encrypt("a", bound_to="c"), bound_to="c") == "a"


def test_each_seal_is_different():
    cipher = TokenCipher(generate_key())
    assert cipher.encrypt("a", bound_to="c") != cipher.encrypt("a", bound_to="c")


@pytest.mark.parametrize("keys, message", [
    ("", "At least one token encryption key is required."), (" , ", "At least one token encryption key is required."),
    ("abc", "Each token key must be '<id>:<base64 of 32 bytes>'."),
    (":" + base64.urlsafe_b64encode(b"k" * 32).decode(), "Each token key must be '<id>:<base64 of 32 bytes>'."),
    ("id:" + base64.urlsafe_b64encode(b"k" * 16).decode(), "Each token key must be '<id>:<base64 of 32 bytes>'."),
])
def test_bad_key_settings_are_refused_saying_what_a_key_looks_like(keys, message):
    with pytest.raises(ValueError) as refused:
        TokenCipher(keys)
    assert str(refused.value) == message


def test_a_generated_key_is_an_id_and_32_random_bytes():
    key_id, _, encoded = generate_key().partition(":")
    assert len(base64.urlsafe_b64decode(key_id)) == 3 and len(base64.urlsafe_b64decode(encoded)) == 32
    assert generate_key() != generate_key()
