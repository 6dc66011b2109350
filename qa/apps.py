from django.apps import AppConfig


def desk_panel_url() -> str:
    from django.urls import reverse

    return reverse("qa:auto_qa_desk_panel")


def evaluations_desk_panel_url() -> str:
    from django.urls import reverse

    return reverse("qa:evaluations_desk_panel")


class QaConfig(AppConfig):
    """Quality assurance: recordings' media, playback and its audit, retention and legal
    holds; transcripts and automated QA on every transcribed call; scorecards, evaluations,
    disputes, calibration and coaching."""

    name = "qa"
    verbose_name = "QA"

    def ready(self) -> None:
        from django.urls import reverse

        from crm.timeline import register_source_media, register_source_page
        from telephony.desk.panels import register_desk_panel
        from telephony.models import Call

        from . import (
            receivers,  # noqa: F401  (connects the signal receivers)
            selectors,
        )
        from .evaluations import receivers as evaluation_receivers  # noqa: F401  (connects)

        # A call on a customer's timeline links to its page, where its recordings play.
        register_source_page(Call, lambda pk: reverse("qa:call_detail", args=[pk]))
        register_source_media(Call, selectors.call_players)
        # The agent's desk shows their automated-QA trend.
        register_desk_panel(desk_panel_url)
        # ... and their evaluations to acknowledge and coaching sessions.
        register_desk_panel(evaluations_desk_panel_url)
