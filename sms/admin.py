from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from sms.models import InboundMessage, OutboundMessage, SmsBroadcast, SmsConversation
from sms.sending import outbound_requeue


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["message_sid", "provider", "command", "status", "received_at"]
    list_filter = ["status", "provider", "command"]
    exclude = ["from_hash"]


@admin.action(description="Queue again now (failed or cancelled messages)")
def requeue(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = outbound_requeue(message_ids=queryset.values_list("pk", flat=True))
    modeladmin.message_user(request, f"{count} message(s) queued again.")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "purpose", "status", "attempts", "error_code", "created_at"]
    list_filter = ["status", "purpose"]
    exclude = ["to_e164", "to_hash"]
    actions = [requeue]


@admin.register(SmsBroadcast)
class SmsBroadcastAdmin(admin.ModelAdmin):
    list_display = ["id", "created_by", "recipients", "created_at"]
    readonly_fields = ["created_by", "texts", "recipients", "created_at", "neighbourhoods"]


@admin.register(SmsConversation)
class SmsConversationAdmin(admin.ModelAdmin):
    list_display = ["resident", "pending", "updated_at"]
    exclude = ["pending_text"]
