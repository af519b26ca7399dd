"""Writes of the SMS app. ``sms_receive`` is the one path of an inbound text: the Twilio
webhook and the staff simulator both call it, so the simulator shows exactly what a
resident's phone would get. ``sms_broadcast`` queues staff notices.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.db_outage import database_unavailable
from core.models import Channel
from core.sql_rows import ModelColumns, insert_rows, quoted
from maps.models import Neighbourhood
from participation.identity import (
    InvalidPhoneNumber,
    phone_hash,
    phone_is_test,
    phone_normalise,
)
from participation.models import ParticipationKind, Resident
from participation.services.audit_trail import audit_trail_write
from participation.services.participation_record import (
    participation_batch,
    participation_record_live,
    participation_record_many,
    processes_live_ids,
    processes_live_params,
    processes_live_parse,
    processes_live_sql,
)
from participation.services.residents import (
    LANGUAGES,
    resident_for_phone,
    resident_sms_opt_in,
    resident_sms_opt_out,
)
from participation.staff_permissions import staff_require
from sms.commands import replies
from sms.commands.dispatcher import Context, Outcome, dispatch
from sms.commands.keywords import PROVIDER_OPT_WORDS, Kind
from sms.commands.parser import Command, parse
from sms.conversation import conversation_for, conversation_reset
from sms.models import (
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundPurpose,
    OutboundStatus,
    SmsBroadcast,
    SmsConversation,
)
from sms.phone_display import mask_phone
from sms.rate_limits import (
    THROTTLED,
    inbound_per_minute,
    inbound_recent_count_params,
    inbound_recent_count_sql,
    inbound_slow_down_sent,
    inbound_window_reopens_at,
)
from sms.segments import MAX_BODY, segment_count, sms_text
from sms.tasks import schedule_sends

logger = logging.getLogger(__name__)

# Replies stored on one InboundMessage are joined with this (ASCII record separator):
# it never occurs in a reply, which we build ourselves.
REPLY_SEPARATOR = "\x1e"
MAX_SID = 64
# Longer than any real SMS (Twilio stops at 1,600); the rest of a longer POST is ignored.
MAX_INBOUND_BODY = 4 * MAX_BODY
# A webhook answer stays well inside Twilio's 15 s: every PostgreSQL connection gives up
# on a stuck lock or query (DB_LOCK_TIMEOUT, DB_STATEMENT_TIMEOUT in settings).
BROADCAST_MAX_SEGMENTS = 3
# Texts that say how someone voted (VOTE and its reply; CHECK and a receipt) are kept
# only this long next to the number's hash, then redacted (``sms_redact_votes``).
VOTE_TEXT_RETENTION = timedelta(days=2)
REDACTED = "[redacted]"


class SmsInputError(ValueError):
    """The request cannot be an SMS (no message id, an invalid sender): HTTP 400."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Received:
    """What to answer an inbound text with. ``replies`` is empty when we must stay
    silent (STOP, an opted-out number, a flood past its one warning). ``duplicate``:
    this message id was seen before; nothing was done again."""

    replies: tuple[str, ...]
    duplicate: bool
    command: str


class _Duplicate(Exception):
    pass


def sms_receive(
    *, provider: str, message_sid: str, sender: str, body: str, to: str = ""
) -> Received:
    """Act on one inbound text, exactly once per ``message_sid``.

    - The InboundMessage row (unique ``message_sid``) is written with its reply in the
      same transaction as every effect of the text (vote, idea, opt-out, conversation
      state). A replay, or the same message arriving twice at once (the fallback URL),
      blocks on the sender's row lock until the first commits, then finds the id taken,
      returns the stored reply and changes nothing (the unique key backs this up).
    - Messages from one number are serialised (the resident row is locked), messages
      from different numbers are not.
    - A text that fails unexpectedly (a bug) rolls back entirely and is recorded as
      ``failed`` with an apology reply, so it is never lost silently; nothing half-done
      is kept. A database outage (``core.db_outage``) is not a failure of the text: it
      rolls back, stores nothing and is raised, so the webhook answers 503 and the
      provider's retry of the same ``message_sid`` is processed afresh.
    - Raises SmsInputError for a missing message id or an invalid sender number.
    """
    sid = (message_sid or "").strip()
    if not sid or len(sid) > MAX_SID or not sid.isascii() or not sid.isprintable():
        raise SmsInputError("bad_message_sid", "MessageSid is missing or malformed")
    try:
        e164 = phone_normalise(sender)
    except InvalidPhoneNumber as exc:
        raise SmsInputError("bad_sender", f"From is not a valid phone number: {exc}") from None
    # PostgreSQL text cannot hold NUL: keep the rest of a text that contains one.
    text = (body or "")[:MAX_INBOUND_BODY].replace("\x00", "\ufffd")
    to = (to or "").replace("\x00", "")
    digest = phone_hash(e164)
    try:
        with transaction.atomic():
            # The text and the vote it may carry are recorded in one statement.
            with participation_batch():
                outcome = _converse(sid=sid, digest=digest, e164=e164, body=text)
            try:
                _inbound_insert(
                    provider=provider,
                    sid=sid,
                    digest=digest,
                    to=to,
                    body=text,
                    status=InboundStatus.PROCESSED,
                    command=outcome.command,
                    reply=REPLY_SEPARATOR.join(outcome.replies),
                )
            except IntegrityError:
                # The same id from another number (the resident lock did not serialise
                # them): the first one stands; undo everything this one did.
                raise _Duplicate from None
    except _Duplicate:
        return _replay(sid, e164)
    except Exception as exc:
        if database_unavailable(exc):
            # Transient (a restart, a full pool, a lock timeout): everything rolled back
            # and nothing is stored under this MessageSid, so Twilio's fallback or retry
            # of the same message is processed afresh, once. The webhook answers 503.
            logger.warning("sms %s from %s: database unavailable", sid, mask_phone(e164))
            raise
        logger.exception("sms %s from %s failed; recorded as failed", sid, mask_phone(e164))
        return _record_failure(provider=provider, sid=sid, digest=digest, to=to, body=text)
    logger.info("sms %s from %s: %s", sid, mask_phone(e164), outcome.command)
    return Received(replies=outcome.replies, duplicate=False, command=outcome.command)


_INBOUND_FIELDS = [
    "provider",
    "message_sid",
    "from_hash",
    "to_number",
    "body",
    "status",
    "command",
    "reply",
    "received_at",
    "processed_at",
]


def _inbound_insert(
    *,
    provider: str,
    sid: str,
    digest: str,
    to: str,
    body: str,
    status: str,
    command: str,
    reply: str,
) -> None:
    """The text's record under its MessageSid, with the reply it got. Hand-written
    (``core.sql_rows``): every text writes one, and ``objects.create`` spent most of its
    time building the INSERT (py-spy on the web workers under ``bench.load``).
    IntegrityError if the MessageSid is taken."""
    now = timezone.now()
    insert_rows(
        connection,
        InboundMessage,
        _INBOUND_FIELDS,
        [[provider[:20], sid, digest, (to or "")[:20], body, status, command, reply, now, now]],
    )


def split_replies(stored: str) -> tuple[str, ...]:
    return tuple(r for r in stored.split(REPLY_SEPARATOR) if r)


def _replay(sid: str, e164: str) -> Received:
    existing = InboundMessage.objects.filter(message_sid=sid).first()
    logger.info("sms %s from %s is a duplicate; answered from the record", sid, mask_phone(e164))
    if existing is None:  # pragma: no cover - the first delivery's row vanished
        return Received(replies=(), duplicate=True, command="duplicate")
    return Received(replies=split_replies(existing.reply), duplicate=True, command=existing.command)


def _record_failure(*, provider: str, sid: str, digest: str, to: str, body: str) -> Received:
    resident = Resident.objects.filter(phone_hash=digest).only("language").first()
    language = resident.language if resident else settings.LANGUAGE_CODE
    with translation.override(language):
        reply = replies.failure_text()
    try:
        with transaction.atomic():
            _inbound_insert(
                provider=provider,
                sid=sid,
                digest=digest,
                to=to,
                body=body,
                status=InboundStatus.FAILED,
                command="error",
                reply=reply,
            )
    except IntegrityError:
        existing = InboundMessage.objects.filter(message_sid=sid).first()
        if existing is not None:
            return Received(split_replies(existing.reply), duplicate=True, command=existing.command)
    return Received(replies=(reply,), duplicate=False, command="error")


def _converse(*, sid: str, digest: str, e164: str, body: str) -> Outcome:
    """Act on the text under the sender's row lock. Raises _Duplicate when ``sid`` was
    already processed: the lock serialises one number's texts, so a replay (Twilio's
    retry, the fallback URL) waits here for the first delivery to commit, then sees it
    and changes nothing."""
    command = parse(body)
    since = timezone.now() - timedelta(minutes=1)
    # One query: the lock, the conversation state, whether this id was seen and the
    # number's recent texts (the rate limit). Other numbers' texts are not held up.
    resident = _locked_sender(digest=digest, sid=sid, since=since)
    created = False
    if resident is None:
        found, created = resident_for_phone(
            e164=e164, channel=Channel.SMS, language=command.language or None
        )
        resident = _locked_sender(digest=found.phone_hash or digest, sid=sid, since=since)
        assert resident is not None
    if resident.sid_seen:
        raise _Duplicate
    with translation.override(resident.language):
        if command.kind == Kind.STOP:
            # Always honoured, whatever state or rate: an opt-out is never a vote or an
            # answer. One confirmation, never two: the gateway's own (Twilio Advanced
            # Opt-Out answers its standard words) or ours; then nothing more.
            resident_sms_opt_out(resident=resident)
            conversation_reset(resident=resident)
            reply = () if provider_confirms(command) else (replies.stop_text(),)
            return Outcome(reply, Kind.STOP.value)
        if command.kind == Kind.START:
            resident_sms_opt_in(resident=resident)
            reply = () if provider_confirms(command) else (replies.start_text(),)
            return Outcome(reply, Kind.START.value)
        if resident.sms_opted_out_at is not None:
            # They asked us to stop: record the text, act on nothing, answer nothing.
            return Outcome((), "ignored")
        throttled = _throttle(from_hash=digest, recent=resident.recent_texts, since=since)
        if throttled is not None:
            return throttled
        # Texting is taking part (engaged, by SMS) in whatever process is going on.
        participation_record_live(
            resident=resident,
            kind=ParticipationKind.TEXT,
            channel=Channel.SMS,
            live_ids=processes_live_parse(resident.live_processes),
        )
        conversation, new_conversation = conversation_for(resident=resident)
        return dispatch(
            Context(
                resident=resident,
                conversation=conversation,
                first_contact=created or new_conversation,
            ),
            command,
        )


_SENDER = ModelColumns(Resident, "r")
_CONVERSATION = ModelColumns(SmsConversation, "c")
_CONVERSATION_OF = Resident._meta.get_field("sms_conversation")
_RESIDENT_OF = SmsConversation._meta.get_field("resident")


def _locked_sender(*, digest: str, sid: str, since: datetime) -> Any:
    """The sender's Resident, locked, with its conversation (cached on it as
    select_related would, so ``conversation_for`` needs no query), ``sid_seen``,
    ``recent_texts`` and the processes going on (``live_processes``, where a text is
    recorded); None for a number we do not know yet.

    Hand-written SQL (``core.sql_rows``): read on every text, and the ORM took longer to
    build it than PostgreSQL takes to run it."""
    lock = " FOR UPDATE OF r" if connection.features.has_select_for_update_of else ""
    conversation = quoted(SmsConversation._meta.db_table)
    sql = (
        # Only our own table and column names are formatted in; values are parameters.
        f"SELECT {_SENDER.sql}, {_CONVERSATION.sql}, "  # noqa: S608
        f"EXISTS(SELECT 1 FROM {quoted(InboundMessage._meta.db_table)} s "
        "WHERE s.message_sid = %s), "
        f"{inbound_recent_count_sql()}, {processes_live_sql(connection)} "
        f"FROM {quoted(Resident._meta.db_table)} r "
        f"LEFT JOIN {conversation} c ON c.resident_id = r.id "
        f"WHERE r.phone_hash = %s{lock}"
    )
    params = [
        sid,
        *inbound_recent_count_params(connection, from_hash=digest, since=since),
        *processes_live_params(connection),
        digest,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    resident: Any = _SENDER.instance(row, connection)
    known = None
    if row[_SENDER.width] is not None:  # the conversation's id: it has one
        known = _CONVERSATION.instance(row, connection, _SENDER.width)
        _RESIDENT_OF.set_cached_value(known, resident)
    _CONVERSATION_OF.set_cached_value(resident, known)
    resident.sid_seen, resident.recent_texts, resident.live_processes = (
        bool(row[-3]),
        int(row[-2] or 0),
        row[-1],
    )
    return resident


def _throttle(*, from_hash: str, recent: int, since: datetime) -> Outcome | None:
    if recent < inbound_per_minute():
        return None
    logger.warning("sms flood from one number (hash %s...): throttled", from_hash[:8])
    if inbound_slow_down_sent(from_hash=from_hash, since=since):
        return Outcome((), THROTTLED)
    until = inbound_window_reopens_at(from_hash=from_hash, since=since)
    return Outcome((replies.throttled_text(until),), THROTTLED)


def provider_confirms(command: Command) -> bool:
    """Whether the gateway itself answers this opt-out or opt-in word (then we do not)."""
    return bool(settings.SMS_PROVIDER_HANDLES_OPT_OUT) and command.word in PROVIDER_OPT_WORDS


# --- broadcasts -----------------------------------------------------------------------------


class BroadcastError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def broadcast_body(text: str, language: str) -> str:
    """The text one resident receives: the notice and how to stop, in their language."""
    with translation.override(language):
        return sms_text(f"{' '.join(text.split())} {replies.broadcast_footer()}")


def broadcast_recipients(neighbourhood_ids: Sequence[int]) -> Any:
    """Residents a broadcast reaches: in the chosen neighbourhoods, with a phone, who
    have texted us (an SMS conversation: they use the channel) and not opted out. A
    number known only from a web sign-in did not ask for notices."""
    return (
        Resident.objects.filter(
            neighbourhood_id__in=list(neighbourhood_ids),
            sms_opted_out_at__isnull=True,
            sms_conversation__isnull=False,
        )
        .exclude(phone_e164="")
        .order_by("pk")
    )


def sms_broadcast(
    *, author: User, neighbourhood_ids: Sequence[int], texts: Mapping[str, str]
) -> SmsBroadcast:
    """Queue a notice to every opted-in resident of the neighbourhoods, each in their own
    language (the default language's text when theirs is missing). Staff only (the view
    checks). Refuses (BroadcastError) with no neighbourhood, no default-language text, or
    a text over three segments. All rows are written in one transaction and handed to
    the queue on commit, so the broadcast goes to everyone or to no one. Needs
    ``sms.send_broadcast``; audited."""
    staff_require(author, "sms.send_broadcast")
    clean = {
        lang: " ".join(text.split())
        for lang, text in texts.items()
        if lang in LANGUAGES and text and text.strip()
    }
    default = settings.LANGUAGE_CODE
    if default not in clean:
        raise BroadcastError("text_required", _("Write the message in the default language."))
    neighbourhoods = list(Neighbourhood.objects.filter(pk__in=list(neighbourhood_ids)))
    if not neighbourhoods:
        raise BroadcastError("neighbourhood_required", _("Choose at least one neighbourhood."))
    for lang, text in clean.items():
        if segment_count(broadcast_body(text, lang)) > BROADCAST_MAX_SEGMENTS:
            raise BroadcastError(
                "too_long",
                _("The %(language)s text is longer than %(n)d SMS segments.")
                % {"language": lang, "n": BROADCAST_MAX_SEGMENTS},
            )
    bodies = {lang: broadcast_body(text, lang) for lang, text in clean.items()}
    with transaction.atomic():
        broadcast = SmsBroadcast.objects.create(created_by=author, texts=clean)
        broadcast.neighbourhoods.set(neighbourhoods)
        recipients = list(broadcast_recipients([n.pk for n in neighbourhoods]))
        rows = [
            OutboundMessage(
                to_e164=resident.phone_e164,
                to_hash=resident.phone_hash or phone_hash(resident.phone_e164),
                body=bodies.get(resident.language, bodies[default]),
                language=resident.language if resident.language in bodies else default,
                purpose=OutboundPurpose.BROADCAST,
                status=OutboundStatus.QUEUED,
                broadcast=broadcast,
            )
            for resident in recipients
        ]
        created = OutboundMessage.objects.bulk_create(rows, batch_size=500)
        # Everyone sent the notice was reached (by SMS) for the processes going on.
        participation_record_many(
            process_ids=processes_live_ids(),
            # Test numbers count in no statistic.
            resident_ids=[r.pk for r in recipients if not phone_is_test(r.phone_e164)],
            kind=ParticipationKind.REACHED,
            channel=Channel.SMS,
        )
        broadcast.recipients = len(created)
        broadcast.save(update_fields=["recipients"])
        audit_trail_write(
            actor=author,
            action="sms.broadcast",
            object_type="sms.smsbroadcast",
            object_id=broadcast.pk,
            data={
                "neighbourhoods": [n.pk for n in neighbourhoods],
                "recipients": broadcast.recipients,
            },
            after={"texts": clean},
        )
        schedule_sends(m.pk for m in created)
    logger.info(
        "sms broadcast #%s queued to %d residents in %d neighbourhood(s)",
        broadcast.pk,
        broadcast.recipients,
        len(neighbourhoods),
    )
    return broadcast


# --- retention ---------------------------------------------------------------------------


def inbound_redact_votes(*, older_than: timedelta = VOTE_TEXT_RETENTION) -> int:
    """Blank the body and reply of VOTE and CHECK texts older than ``older_than``: they
    say how a number voted (choices, receipt), which the ballot tables never do. Kept
    meanwhile so a late duplicate still gets its original reply. Returns rows changed."""
    cutoff = timezone.now() - older_than
    return (
        InboundMessage.objects.filter(
            command__in=[Kind.VOTE.value, Kind.CHECK.value], received_at__lt=cutoff
        )
        .exclude(body=REDACTED)
        .update(body=REDACTED, reply="")
    )
