from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path(
        "ws/customers/<int:customer_id>/timeline/",
        # Channels routes ASGI applications with Django's path(), whose stubs take views only.
        consumers.CustomerTimelineConsumer.as_asgi(),  # type: ignore[arg-type]
    ),
]
