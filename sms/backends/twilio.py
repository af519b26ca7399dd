"""Twilio: sending through ``twilio.rest.Client``, and the two webhook helpers (signature
check, TwiML reply). The only module of the project that imports ``twilio``, so a city
on another gateway never loads it.

Error classes (https://www.twilio.com/docs/api/errors): an invalid or unreachable
number (21211, 21614, 21612, ...) or an opted-out recipient (21610) will fail again on
every retry, so they raise ``SmsSendError(permanent=True)``; so does any other 4xx except
429 (a request we built wrongly does not get better). 5xx, 429, timeouts and connection
errors are transient: the queue retries them with backoff.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from urllib3.exceptions import NameResolutionError, NewConnectionError

from sms.backends.base import BaseSmsBackend, SmsSendError
from sms.message import SmsMessage

OPTED_OUT = "21610"
# Messages to one number looked at when reconciling an unknown outcome (newest first).
LOOKUP_LIMIT = 50
PERMANENT_CODES = frozenset(
    {
        "21211",  # invalid 'To' number
        "21214",  # 'To' number cannot be reached
        "21408",  # region not enabled
        "21610",  # recipient replied STOP
        "21612",  # cannot route to this number
        "21614",  # 'To' is not a mobile number
    }
)


def classify(status: int | None, code: object) -> SmsSendError:
    """The SmsSendError for a Twilio error response (HTTP ``status``, Twilio ``code``)."""
    code_text = str(code) if code is not None else ""
    permanent = code_text in PERMANENT_CODES or (
        status is not None and 400 <= status < 500 and status not in (408, 429)
    )
    return SmsSendError(
        f"twilio refused the message (HTTP {status}, code {code_text or '-'})",
        code=code_text or (str(status) if status else ""),
        permanent=permanent,
        opted_out=error_code_is_opt_out(code_text),
    )


def _refused(exc: requests.ConnectionError) -> bool:
    """Whether no connection was made (refused, no route, name not found): then the
    request never went out."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, NewConnectionError | NameResolutionError)


def error_code_is_opt_out(code: object) -> bool:
    """Whether a Twilio ErrorCode (in a send error or a status callback) means the
    recipient opted out of our texts."""
    return str(code or "") == OPTED_OUT


class SmsBackend(BaseSmsBackend):
    """Sends each message with ``client.messages.create``. ``extra["status_callback"]``
    becomes Twilio's StatusCallback URL. ``from_number`` may be a phone number or a
    Messaging Service SID (``MG...``). ``http_client`` lets tests point the real client
    at a fake server on loopback."""

    def __init__(
        self,
        fail_silently: bool = False,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        from_number: str | None = None,
        http_client: TwilioHttpClient | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.from_number = from_number or settings.TWILIO_FROM_NUMBER
        self.client = Client(
            account_sid or settings.TWILIO_ACCOUNT_SID,
            auth_token or settings.TWILIO_AUTH_TOKEN,
            http_client=http_client
            or TwilioHttpClient(timeout=timeout or settings.SMS_HTTP_TIMEOUT),
        )

    def _create(self, message: SmsMessage) -> str:
        params: dict[str, Any] = {"to": message.to, "body": message.body}
        if self.from_number.startswith("MG"):
            params["messaging_service_sid"] = self.from_number
        else:
            params["from_"] = self.from_number
        callback = message.extra.get("status_callback")
        if callback:
            params["status_callback"] = callback
        try:
            created = self.client.messages.create(**params)
        except TwilioRestException as exc:
            raise classify(exc.status, exc.code) from exc
        except TwilioServiceException as exc:
            raise classify(exc.status, exc.code) from exc
        except requests.ConnectTimeout as exc:
            # No connection was made: Twilio never saw the request.
            raise SmsSendError("twilio unreachable: ConnectTimeout", code="network") from exc
        except requests.RequestException as exc:
            # A read timeout or a connection lost after the request went out: Twilio may
            # have accepted the text. The queue reconciles (``find_sent``) before a retry.
            refused = isinstance(exc, requests.ConnectionError) and _refused(exc)
            raise SmsSendError(
                f"twilio unreachable: {type(exc).__name__}",
                code="network" if refused else "unknown",
                outcome_unknown=not refused,
            ) from exc
        return str(created.sid)

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """Ask Twilio for our messages to ``to`` and match the body, newest first. Not
        filtered by DateSent on Twilio's side: a message still queued there has no
        sent date yet, and it is exactly the one we must not send twice."""
        try:
            recent = self.client.messages.list(to=to, limit=LOOKUP_LIMIT)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise classify(exc.status, exc.code) from exc
        except requests.RequestException as exc:
            raise SmsSendError(
                f"twilio lookup failed: {type(exc).__name__}", code="network"
            ) from exc
        for message in recent:
            created = message.date_created or message.date_sent
            if (
                message.body == body
                and (created is None or created >= since)
                and self._ours(message)
            ):
                return str(message.sid)
        return None

    def _ours(self, message: Any) -> bool:
        if self.from_number.startswith("MG"):
            return getattr(message, "messaging_service_sid", None) in (None, self.from_number)
        return getattr(message, "from_", None) in (None, self.from_number)

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        sent = 0
        for message in messages:
            try:
                message.provider_id = self._create(message)
            except SmsSendError:
                if self.fail_silently:
                    continue
                raise
            sent += 1
        return sent


# --- webhooks ------------------------------------------------------------------------------


def signature_valid(
    *, auth_token: str, url: str, params: Mapping[str, Any], signature: str
) -> bool:
    """Twilio's own check of ``X-Twilio-Signature`` (HMAC-SHA1 of the URL and the sorted
    form fields under the auth token). ``params`` may be a QueryDict: repeated fields
    are signed as Twilio signs them. Never true without a token or a signature."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))


def compute_signature(*, auth_token: str, url: str, params: Mapping[str, Any]) -> str:
    """What Twilio would send as ``X-Twilio-Signature`` (tests, the benchmark)."""
    return str(RequestValidator(auth_token).compute_signature(url, params))


def twiml(replies: Sequence[str]) -> str:
    """A TwiML document answering with each reply as one message (none: empty answer)."""
    response = MessagingResponse()
    for reply in replies:
        response.message(reply)
    return str(response)
