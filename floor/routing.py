from django.urls import path

from . import consumers

websocket_urlpatterns = [
    # Channels routes consumers with Django's path(), whose stubs accept only views.
    path("ws/floor/", consumers.WallboardConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/floor/figures/", consumers.FloorFiguresConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/floor/alerts/", consumers.FloorAlertsConsumer.as_asgi()),  # type: ignore[arg-type]
]
