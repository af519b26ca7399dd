"""URLs of the SMS app, mounted at ``sms/`` (``path("sms/", include("sms.urls"))``).

Twilio console: "A message comes in" → POST {PUBLIC_BASE_URL}/sms/twilio/inbound/ (also
as the fallback URL: duplicates are answered from the record); status callbacks are
set per message by the queue (/sms/twilio/status/?m=<id>)."""

from django.urls import path

from sms import views

app_name = "sms"
urlpatterns = [
    path("twilio/inbound/", views.twilio_inbound, name="twilio_inbound"),
    path("twilio/status/", views.twilio_status, name="twilio_status"),
    path("simulator/", views.simulator, name="simulator"),
    path("staff/queue/", views.queue, name="queue"),
    path("staff/broadcast/", views.broadcast, name="broadcast"),
]
