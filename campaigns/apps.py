from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Outbound campaigns: lead lists, Do-Not-Call lists, pacing and dialer tasks."""

    name = "campaigns"

    def ready(self) -> None:
        from .dialer import receivers  # noqa: F401  (connects the wrap-up receiver)
