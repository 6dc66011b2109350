from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Outbound campaigns: lead lists, pacing and dialer tasks."""

    name = "campaigns"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the Do-Not-Call receiver)
        from .dialer import receivers as dialer_receivers  # noqa: F401  (the wrap-up one)
