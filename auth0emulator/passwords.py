"""Password hashing (scrypt, never plaintext) and Auth0's database-connection password policies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

_N, _R, _P = 2**14, 8, 1
POLICIES = ("none", "low", "fair", "good", "excellent")
_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = [base64.b64encode(part).decode() for part in (salt, digest)]
    return "$".join(["scrypt", str(_N), str(_R), str(_P), *encoded])


# Verified in place of a missing hash: an unknown email (or a user without a password) costs the
# same scrypt as a known one, so response times do not tell which accounts exist (Auth0 neither).
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, encoded: str | None) -> bool:
    """Always one scrypt of the same cost, whether `encoded` is a hash or nothing."""
    known = bool(encoded and encoded.startswith("scrypt$"))
    _, n, r, p, salt, expected = (encoded if known and encoded else DUMMY_HASH).split("$")
    digest = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(digest, base64.b64decode(expected)) and known


def _classes(password: str) -> int:
    return sum(1 for pattern in _CLASSES if re.search(pattern, password))


def meets_policy(password: str, policy: str) -> bool:
    """Auth0's rules: low = 6+, fair = 8+ with lower, upper and digits, good = 8+ with 3 of
    4 classes, excellent = 10+ with 3 of 4 classes and no character 3 times in a row."""
    if policy == "none":
        return len(password) >= 1
    if policy == "low":
        return len(password) >= 6
    if policy == "fair":
        return len(password) >= 8 and all(re.search(pattern, password) for pattern in _CLASSES[:3])
    if policy == "good":
        return len(password) >= 8 and _classes(password) >= 3
    return (
        len(password) >= 10 and _classes(password) >= 3 and re.search(r"(.)\1\1", password) is None
    )
