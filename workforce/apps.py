from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    """Workforce management: forecast from the interval facts, Erlang staffing, schedules
    and the agents' requests against them."""

    name = "workforce"
    verbose_name = "Workforce"
