from django.apps import AppConfig


class QaConfig(AppConfig):
    """Quality assurance: scorecards, evaluations of recorded calls, automated checks."""

    name = "qa"
    verbose_name = "QA"
