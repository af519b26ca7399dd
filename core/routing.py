from django.urls import path

from core.consumers import ProcessEventsConsumer

websocket_urlpatterns = [
    path("ws/processes/<int:process_id>/", ProcessEventsConsumer.as_asgi()),
]
