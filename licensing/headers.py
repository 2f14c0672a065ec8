"""Headers every response gets, whichever handler wrote it.

- `Cache-Control: no-store` on everything but the static assets (/assets/) and answers whose
  handler chose for itself: API answers and pages carry personal data, and neither a shared
  cache nor the browser's may keep them.
- `Strict-Transport-Security` when secure cookies are on (the service is reached over https).
- A Content-Security-Policy on the API reference (/schema), which litestar renders: scripts and
  styles from this site, plus the page's own inline scripts (Scalar's options), by hash.
"""

from __future__ import annotations

import base64
import hashlib
import re

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"
# Inline scripts: a <script> without src, its text exactly as the browser hashes it.
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def schema_policy(html: bytes) -> str:
    """The page's own inline scripts by hash; Scalar adds <style> elements at run time, hence
    inline styles."""
    hashes = "".join(
        " 'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src 'self'{hashes}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    )


def _with(message: Message, extra: list[tuple[bytes, bytes]]) -> Message:
    return {**message, "headers": [*message.get("headers", []), *extra]}


class SecurityHeaders(ASGIMiddleware):
    def __init__(self, *, hsts: bool) -> None:
        self.hsts = hsts

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http":
            await next_app(scope, receive, send)
            return
        path = scope.get("path", "")
        asset = path.startswith("/assets/")
        reference = path.rstrip("/") == "/schema"  # the HTML page; openapi.json runs nothing
        held: list[Message] = []

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = []
                if b"cache-control" not in names and not asset:
                    extra.append((b"cache-control", b"no-store"))
                if self.hsts:
                    extra.append((b"strict-transport-security", HSTS.encode()))
                message = _with(message, extra)
                if reference:  # the policy names the page's inline scripts: wait for the body
                    held.append(message)
                    return
            elif held and message["type"] == "http.response.body":
                held.append(message)
                if message.get("more_body"):
                    return
                body = b"".join(part.get("body", b"") for part in held[1:])
                policy = (b"content-security-policy", schema_policy(body).encode())
                await send(_with(held[0], [policy]))
                message = {"type": "http.response.body", "body": body}
            await send(message)

        await next_app(scope, receive, with_headers)
