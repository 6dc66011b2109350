from django.apps import AppConfig


def desk_panel_url() -> str:
    from django.urls import reverse

    return reverse("workforce:desk_schedule")


class WorkforceConfig(AppConfig):
    """Workforce management: forecast from the interval facts, Erlang staffing, schedules
    and the agents' requests against them."""

    name = "workforce"
    verbose_name = "Workforce"

    def ready(self) -> None:
        from floor.adherence import register_out_of_adherence
        from telephony.desk.panels import register_desk_panel

        from .adherence import out_of_adherence_since
        from .reporting import adherence_reports_register

        # The agent's desk shows their published schedule and their requests.
        register_desk_panel(desk_panel_url)
        # The wallboard marks agents out of their scheduled activity.
        register_out_of_adherence(out_of_adherence_since)
        # The reports section shows adherence beside the other agent figures.
        adherence_reports_register()
