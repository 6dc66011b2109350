"""The Celery app: configured from Django settings (the CELERY_* block)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.settings")

app = Celery("callcenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Telephony is split by subject: its tasks live with the ACD.
app.autodiscover_tasks(["telephony.acd"])
