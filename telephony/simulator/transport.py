"""How the simulator's webhooks reach the app: Django's test client, real HTTP, or a function.

Every transport gets the final URL (query string included for GET), the form
parameters and the `X-Twilio-Signature` already computed, and answers with the status,
content type and body, exactly what Twilio itself would see. Failing to connect at
all raises `TransportError`, which the engine turns into Twilio's error 11205.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    from http.client import HTTPResponse

    from django.test import Client

SIGNATURE_HEADER = "X-Twilio-Signature"
USER_AGENT = "TwilioProxy/1.1 (telephony.simulator)"


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: str
    content_type: str = ""


class TransportError(Exception):
    """The app could not be reached (refused, timed out, bad host): Twilio's 11205."""


class Transport(Protocol):
    def send(
        self, method: str, url: str, params: dict[str, str], signature: str
    ) -> WebhookResponse: ...


class FunctionTransport:
    """Calls `handler(url, params) -> (status, body)`: fake apps in the simulator's own tests.

    For GET requests the parameters are already in `url` and `params` is empty. A handler
    may raise `TransportError` to play an unreachable app; other exceptions propagate so
    a broken test fails loudly instead of looking like a 500.
    """

    def __init__(self, handler: Callable[[str, dict[str, str]], tuple[int, str]]) -> None:
        self.handler = handler

    def send(
        self, method: str, url: str, params: dict[str, str], signature: str
    ) -> WebhookResponse:
        status, body = self.handler(url, dict(params))
        return WebhookResponse(status, body, "application/xml")


class DjangoClientTransport:
    """Posts through `django.test.Client`: in-process, through the real middleware and views.

    The absolute URL becomes path + query, its host is sent as the Host header so views
    can rebuild the signed URL; an exception raised by a view counts as a 500, as a real
    server would answer.
    """

    def __init__(self, client: Client | None = None) -> None:
        if client is None:
            from django.test import Client

            client = Client(raise_request_exception=False)
        self.client = client

    def send(
        self, method: str, url: str, params: dict[str, str], signature: str
    ) -> WebhookResponse:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        extra: dict[str, Any] = {
            "HTTP_X_TWILIO_SIGNATURE": signature,
            "HTTP_HOST": parts.netloc,
            "HTTP_USER_AGENT": USER_AGENT,
            "secure": parts.scheme == "https",
        }
        try:
            if method == "GET":
                response = self.client.get(path, **extra)
            else:
                response = self.client.post(
                    path,
                    data=urlencode(params),
                    content_type="application/x-www-form-urlencoded",
                    **extra,
                )
        except Exception as exc:
            return WebhookResponse(500, f"{type(exc).__name__}: {exc}", "text/plain")
        return WebhookResponse(
            response.status_code,
            response.content.decode(response.charset or "utf-8", errors="replace"),
            response.get("Content-Type", ""),
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # Twilio does not follow a redirect on a webhook POST: an APPEND_SLASH redirect must
    # show up as a failed request, not be silently turned into a GET.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpTransport:
    """Real HTTP (the live service): form-encoded POSTs with Twilio's headers."""

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(
        self, method: str, url: str, params: dict[str, str], signature: str
    ) -> WebhookResponse:
        data = urlencode(params).encode() if method != "GET" else None
        # url is a webhook URL the application configured on its own numbers.
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
        request.add_header(SIGNATURE_HEADER, signature)
        request.add_header("User-Agent", USER_AGENT)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return _read(response.status, response)
        except urllib.error.HTTPError as error:
            return _read(error.code, error)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise TransportError(str(getattr(error, "reason", error))) from error


def _read(status: int, response: HTTPResponse | urllib.error.HTTPError) -> WebhookResponse:
    charset = response.headers.get_content_charset() or "utf-8"
    body = response.read().decode(charset, errors="replace")
    return WebhookResponse(status, body, response.headers.get("Content-Type", ""))
