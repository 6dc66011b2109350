from django.apps import AppConfig


class FloorConfig(AppConfig):
    """The supervisor's real time: the wallboard, its actions and alerts."""

    name = "floor"
