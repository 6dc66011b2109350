from django.urls import path

from .desk import consumers

websocket_urlpatterns = [
    # Channels routes consumers with Django's path(), whose stubs accept only views.
    path("ws/desk/", consumers.AgentDeskConsumer.as_asgi()),  # type: ignore[arg-type]
]
