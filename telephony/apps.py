from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    """Twilio webhooks, IVR, calls, ACD queues and routing, and the Twilio simulator."""

    name = "telephony"
