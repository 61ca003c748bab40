"""Who may talk to the server: loopback host names only (DNS rebinding), and an API key on /v1 (ASGI middleware).

server/app.py installs these from `ServerConfig`; server/cli.py decides from --host and --api-key:
- bound to a loopback address, the server answers only requests whose Host is a loopback address or `localhost`.
  Otherwise a page on any site could point its own domain at 127.0.0.1 (DNS rebinding) and, being same-origin with
  that name, read the API and the files.
- bound to any other address, /v1 needs `Authorization: Bearer <key>` (what OpenAI clients send): the API spends
  the GPU, and anyone on that network could reach it. Static files (demos, artifacts) stay public either way.
"""
from __future__ import annotations

import hmac
import ipaddress

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/v1"


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or name, as given to --host) is loopback: 127.0.0.0/8, ::1, or localhost."""
    host = host.strip().removeprefix("[").removesuffix("]").rstrip(".").lower()
    if host == "localhost":  # RFC 6761 section 6.3: always the loopback interface
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1, which Python 3.11 does not call loopback
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def host_of(header: str) -> str | None:
    """The host part of a Host header (`name`, `name:port`, `1.2.3.4:port`, `[v6]:port`), or None if malformed."""
    header = header.strip()
    if header.startswith("["):
        end = header.find("]")
        rest = header[end + 1:] if end > 0 else None
        if rest is None or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        return header[1:end]
    name, colon, port = header.partition(":")
    if colon and not port.isdigit():  # also refuses a bare IPv6 address, which Host must bracket (RFC 9110 7.2)
        return None
    return name or None


class LoopbackHostMiddleware:
    """Refuse (400) any request whose Host header does not name a loopback address or localhost."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = host_of(Headers(scope=scope).get("host", ""))
            if host is None or not is_loopback(host):
                await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ApiKeyMiddleware:
    """Require `Authorization: Bearer <api_key>` on /v1 and below; a 401 in OpenAI's error shape otherwise."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        if not api_key:
            raise ValueError("the API key must not be empty")
        self.app = app
        self.key = api_key.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            if not self.authorized(Headers(scope=scope).get("authorization")):
                await self.refusal()(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def authorized(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").strip().partition(" ")
        # Starlette decodes header bytes as latin-1: encoding back gives the bytes the client sent. compare_digest
        # takes as long whatever the first differing byte, so timing does not reveal the key.
        given = token.strip().encode("latin-1")
        return scheme.lower() == "bearer" and hmac.compare_digest(given, self.key)

    @staticmethod
    def refusal() -> JSONResponse:
        # The body OpenAI sends for a bad key; its clients raise AuthenticationError from it.
        error = {"message": "missing or wrong API key: send 'Authorization: Bearer <key>' (the key webshard serve "
                            "printed, or the one given with --api-key)",
                 "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}
        return JSONResponse({"error": error}, status_code=401, headers={"www-authenticate": "Bearer"})
