from django.apps import AppConfig


class QaConfig(AppConfig):
    """Quality assurance: recordings' media, playback and its audit, retention and legal
    holds; later transcripts, scorecards and automated checks."""

    name = "qa"
    verbose_name = "QA"

    def ready(self) -> None:
        from django.urls import reverse

        from crm.timeline import register_source_media, register_source_page
        from telephony.models import Call

        from . import (
            receivers,  # noqa: F401  (connects the signal receivers)
            selectors,
        )

        # A call on a customer's timeline links to its page, where its recordings play.
        register_source_page(Call, lambda pk: reverse("qa:call_detail", args=[pk]))
        register_source_media(Call, selectors.call_players)
