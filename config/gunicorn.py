"""gunicorn settings: `gunicorn config.wsgi -c config/gunicorn.py`."""

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
max_requests = 2000
max_requests_jitter = 200
# Access logs would carry client link tokens in paths; the app logs what it needs itself.
accesslog = None
errorlog = "-"
# The control socket defaults to one path per user, which two servers on a host would share.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
