from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/customers/<int:customer_id>/timeline/", consumers.CustomerTimelineConsumer.as_asgi()),
]
