"""ASGI entry point: HTTP through Django, websockets through each app's routing module."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")

# Django must be set up before anything imports models (consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from crm.routing import websocket_urlpatterns as crm_websockets  # noqa: E402
from floor.routing import websocket_urlpatterns as floor_websockets  # noqa: E402
from telephony.routing import websocket_urlpatterns as telephony_websockets  # noqa: E402

websockets = [*crm_websockets, *telephony_websockets, *floor_websockets]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            # The channels stubs want a URLPattern subtype of their own that path() never
            # returns, though URLRouter takes what path() gives.
            AuthMiddlewareStack(URLRouter(websockets))  # type: ignore[arg-type]
        ),
    }
)
