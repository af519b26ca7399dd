"""Websocket routes, gathered from each app's ``routing.py``."""

from budgets.routing import websocket_urlpatterns as budgets_ws

websocket_urlpatterns = [*budgets_ws]
