from django.apps import AppConfig


class CrmConfig(AppConfig):
    """Customers, contact points, cases and the interaction timeline."""

    name = "crm"
    verbose_name = "CRM"
