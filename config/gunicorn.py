"""gunicorn settings: `gunicorn config.wsgi -c config/gunicorn.py`."""

import gc
import multiprocessing
import os

# Loopback by default: only the TLS proxy in front should reach gunicorn, since the proxy's
# X-Forwarded-For is what rate limits and lockouts trust (TRUSTED_PROXY_COUNT).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a guard against slow leaks). Each new one
# reads the whole roster before serving (post_worker_init below), so not too often: at 2,000,
# a busy worker was replaced every half minute at 10,000 clinicians.
max_requests = 10000
max_requests_jitter = 1000
# Access logs would carry client link tokens in paths; the app logs what it needs itself.
accesslog = None
errorlog = "-"
# The control socket defaults to one path per user, which two servers on a host would share.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Before a worker takes requests (at start, and each time max_requests replaces one):
    build its roster snapshot with every profile, so no client's results page pays for that
    (about a second at 10,000 clinicians); then move what it built out of the cyclic garbage
    collector's sight and collect young objects less often. With a large roster kept in the
    process, the collector's full passes otherwise walked it all, adding 150-200 ms to one
    ranking in three at 10,000 clinicians (bench/README.md)."""
    from django.db import connection
    from django.utils import timezone

    from matching.selectors import roster_warm

    try:
        count = roster_warm(now=timezone.now())
        worker.log.info("Roster snapshot warmed: %s clinicians", count)
    except Exception:  # noqa: BLE001  a worker must start even while the database is down
        worker.log.warning("Could not warm the roster snapshot; the first request will build it")
    finally:
        connection.close()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
