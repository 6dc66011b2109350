from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class TelephonyConfig(AppConfig):
    """Twilio webhooks, IVR, calls, ACD queues and routing, and the Twilio simulator."""

    name = "telephony"

    def ready(self) -> None:
        from .calls import selectors
        from .models import BusinessHours, InboundNumber, IvrFlow, IvrNode

        # What selectors.inbound_line caches: a line, its flow, the entry node, its hours.
        for model in (InboundNumber, IvrFlow, IvrNode, BusinessHours):
            for signal in (post_save, post_delete):
                signal.connect(selectors.inbound_lines_changed, sender=model)
