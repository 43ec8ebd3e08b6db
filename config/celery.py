import gc
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("alliance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _freeze_start_up_objects(**kwargs):
    # Everything loaded at start-up lives as long as the worker: keep the collector away from
    # it. Pool processes then share those pages, and the worker exits in a moment on SIGTERM
    # instead of walking them all at interpreter shutdown.
    gc.freeze()
