"""Sign requests the way Slack does: v0 HMAC-SHA256 over `v0:{timestamp}:{body}`.

https://api.slack.com/authentication/verifying-requests-from-slack
"""

from __future__ import annotations

import hashlib
import hmac
import time


def signature(secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, *, timestamp: int | None = None, content_type: str = "application/json"
) -> dict[str, str]:
    """Headers Slack would send with `body` (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(secret, ts, body),
    }
