from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Outbound campaigns: lead lists, Do-Not-Call lists, pacing and dialer tasks."""

    name = "campaigns"
