from django.contrib import admin

from sms.models import InboundMessage, OutboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["message_sid", "status", "received_at"]
    list_filter = ["status"]
    exclude = ["from_hash"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "purpose", "status", "attempts", "error_code", "created_at"]
    list_filter = ["status", "purpose"]
    exclude = ["to_e164", "to_hash"]
