from django.apps import AppConfig


class CallcenterConfig(AppConfig):
    """The project itself: roles (groups and their permissions) and site-wide pages."""

    name = "callcenter"
    verbose_name = "Call center"
