"""The one function the rest of the code calls to send a text on our own initiative
(sign-in codes, notices). It queues: the text is an OutboundMessage row, sent by a task
after the caller's transaction commits (sms/outbound.py). Replies to a resident's text
are not sent here: they go back inline in the webhook's answer."""

from __future__ import annotations

from sms.models import OutboundMessage
from sms.outbound import outbound_enqueue


def send_sms(
    *, to: str, body: str, purpose: str = "notice", language: str = "en"
) -> OutboundMessage:
    """Queue ``body`` for the number ``to`` (E.164, or anything phone_normalise accepts)
    and return its OutboundMessage.

    - The send happens on commit: with the Immediate task backend the message reaches
      ``settings.SMS_BACKEND`` right after the surrounding transaction commits (at once
      in autocommit); with the database backend a worker sends it.
    - The row comes back ``cancelled`` (``error_code`` says why) when the number opted
      out of texts or received too many this hour; callers may show that.
    - Raises InvalidPhoneNumber for an invalid number and ValueError for an empty body
      or one over 1,600 characters. Transient gateway errors are retried by the queue,
      never raised here.
    """
    return outbound_enqueue(to=to, body=body, purpose=purpose, language=language)
