"""How deliveries are signed: the Standard Webhooks scheme (standardwebhooks.com), so receivers
can verify with its libraries in any language. Each delivery carries

    webhook-id: <the event's id>        the same in every retry and replay: ignore repeats
    webhook-timestamp: <Unix seconds>   when this attempt was sent: refuse old ones (replay)
    webhook-signature: v1,<base64>      HMAC-SHA256 of "<id>.<timestamp>.<body>", keyed with the
                                        base64-decoded part of the secret after "whsec_"

During a secret rotation window the header holds one signature per valid secret, separated by a
space, so a receiver still holding the previous secret keeps verifying until it is updated. The
signing itself is the Standard Webhooks library's (`standardwebhooks`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


def signature_header(*, secrets_in_use: list[str], msg_id: str, timestamp: int, body: str) -> str:
    """`webhook-signature`: one `v1,<signature>` per secret, separated by spaces."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return " ".join(
        Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=body)
        for secret in secrets_in_use
    )


def signed_headers(*, secrets_in_use: list[str], msg_id: str, timestamp: int, body: str) -> dict:
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(
            secrets_in_use=secrets_in_use, msg_id=msg_id, timestamp=timestamp, body=body
        ),
    }


def verify(*, secret: str, body: bytes, headers: dict[str, str]) -> bool:
    """What a receiver does (in Python, with the same library): check the signature and that
    the timestamp is within five minutes of now, before parsing the body."""
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError:
        return False
    return True
