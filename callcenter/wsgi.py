"""WSGI entry point, for a process model that serves plain HTTP only."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")

application = get_wsgi_application()
