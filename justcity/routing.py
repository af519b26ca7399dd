"""Websocket routes, gathered from each app's ``routing.py``."""

from core.routing import websocket_urlpatterns as core_ws
from staff.routing import websocket_urlpatterns as staff_ws

websocket_urlpatterns = [*core_ws, *staff_ws]
