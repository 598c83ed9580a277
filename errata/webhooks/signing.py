"""How deliveries are signed, and how a receiver checks them (also in the README):

    X-Errata-Signature: sha256=<hex of HMAC-SHA256(endpoint secret, raw request body)>

compared in constant time, before parsing the body. X-Errata-Event-Id (also the body's "id") is the
same in every delivery of one event, replays included, so a receiver can ignore events it has
handled; X-Errata-Timestamp is when this attempt was sent (Unix seconds).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Errata-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (in Python): compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")
