"""The one function the rest of the code calls to send a text now.

The SMS issue puts a persisted queue (OutboundMessage + task) in front of this; sign-in
codes and replies go through ``send_sms`` until then, with the same backend contract.
"""

from __future__ import annotations

import logging

from sms.backends import get_backend
from sms.message import SmsMessage
from sms.phone_display import mask_phone

logger = logging.getLogger(__name__)


def send_sms(*, to: str, body: str) -> SmsMessage:
    """Send ``body`` to the E.164 number ``to`` through ``settings.SMS_BACKEND``.
    Raises SmsSendError on failure; returns the message with its provider id."""
    message = SmsMessage(to=to, body=body)
    get_backend().send_messages([message])
    logger.info("sms sent to %s (%s)", mask_phone(to), message.provider_id)
    return message
