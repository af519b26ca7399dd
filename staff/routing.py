from django.urls import path

from staff.consumers import ModerationQueueConsumer

websocket_urlpatterns = [
    path("ws/staff/moderation/", ModerationQueueConsumer.as_asgi()),
]
