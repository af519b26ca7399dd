"""Admin of the SMS tables. Numbers and their hashes are never shown; message bodies and
replies only where they cannot say how someone voted or what code they got."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from participation.admin_base import SafeModelAdmin
from sms.commands.keywords import Kind
from sms.models import (
    InboundMessage,
    OutboundMessage,
    OutboundPurpose,
    SmsBroadcast,
    SmsConversation,
)
from sms.sending import REQUEUE_PERMISSION, outbound_requeue

HIDDEN_TEXT = _("(not shown)")
# Inbound texts whose words staff may read (an idea, a comment, a request for help).
# VOTE and CHECK (choices, a receipt), AGE (a demographic), and anything unparsed (a
# mistyped vote) are never shown, nor the replies to them.
READABLE_COMMANDS = frozenset(
    {
        Kind.HELP.value,
        Kind.LIST.value,
        Kind.INFO.value,
        Kind.IDEA.value,
        Kind.COMMENT.value,
        Kind.LANG.value,
        Kind.AREA.value,
        Kind.MORE.value,
        Kind.STOP.value,
        Kind.START.value,
        Kind.FOLLOW.value,
        Kind.UNFOLLOW.value,
    }
)
# Outbound texts staff may read: notices and broadcasts (the same for everyone), never
# sign-in codes or replies (a reply may confirm a vote).
READABLE_PURPOSES = frozenset({OutboundPurpose.BROADCAST.value, OutboundPurpose.NOTICE.value})


@admin.register(InboundMessage)
class InboundMessageAdmin(SafeModelAdmin):
    list_display = ["message_sid", "provider", "command", "status", "received_at"]
    list_filter = ["status", "provider", "command"]
    never_shown = ("body", "reply")
    readonly_fields = ["text_shown", "reply_shown"]

    @admin.display(description=_("text"))
    def text_shown(self, obj: InboundMessage) -> str:
        return obj.body if obj.command in READABLE_COMMANDS else str(HIDDEN_TEXT)

    @admin.display(description=_("reply"))
    def reply_shown(self, obj: InboundMessage) -> str:
        return obj.reply if obj.command in READABLE_COMMANDS else str(HIDDEN_TEXT)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.action(
    description=_("Queue again now (failed or cancelled messages)"),
    permissions=["requeue"],
)
def requeue(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    # The service checks the permission again and writes the audit entries.
    count = outbound_requeue(actor=request.user, message_ids=queryset.values_list("pk", flat=True))
    modeladmin.message_user(
        request,
        ngettext("%(n)d message queued again.", "%(n)d messages queued again.", count)
        % {"n": count},
    )


@admin.register(OutboundMessage)
class OutboundMessageAdmin(SafeModelAdmin):
    list_display = ["id", "purpose", "status", "attempts", "error_code", "created_at"]
    list_filter = ["status", "purpose"]
    never_shown = ("body", "in_reply_to")
    readonly_fields = ["text_shown"]
    actions = [requeue]

    def has_requeue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REQUEUE_PERMISSION)

    @admin.display(description=_("text"))
    def text_shown(self, obj: OutboundMessage) -> str:
        return obj.body if obj.purpose in READABLE_PURPOSES else str(HIDDEN_TEXT)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SmsBroadcast)
class SmsBroadcastAdmin(SafeModelAdmin):
    list_display = ["id", "created_by", "recipients", "created_at"]
    readonly_fields = ["created_by", "texts", "recipients", "created_at", "neighbourhoods"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a broadcast is sent from its page (sms.send_broadcast), never here


@admin.register(SmsConversation)
class SmsConversationAdmin(SafeModelAdmin):
    list_display = ["resident", "pending", "updated_at"]
    never_shown = ("pending_text",)
