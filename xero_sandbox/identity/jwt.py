"""HS256 JSON Web Tokens for the sandbox's access and id tokens, signed with joserfc (authlib's JOSE library)."""
import base64
import json

from joserfc import jwt
from joserfc.jwk import OctKey


def encode(claims: dict, key: str) -> str:
    """Sign `claims` with HMAC-SHA256 under `key` and return the compact JWT."""
    return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.import_key(key))


def decode_unverified(token: str) -> dict:
    """Return the claims of a compact JWT without checking its signature (as clients do)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
