"""Structured logs that never carry personal data.

Records are reduced to time, level, logger, message and, for errors, the exception's type and
traceback. Request objects, form data and extra fields attached to records are dropped on
purpose: a request's POST body or a client's answers must never reach a log line."""

import json
import logging

_KEPT_EXTRAS = ("status_code", "task_id", "notification_id", "consultation_id", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in _KEPT_EXTRAS:
            value = getattr(record, key, None)
            if isinstance(value, int | float | str):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class DropRequestData(logging.Filter):
    """Django attaches the request to some records, and its messages name the path ("Not Found:
    /intake/r/<token>/"). Client links carry secrets in the path, so such records keep only the
    status, the method and the route's name."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            status = getattr(record, "status_code", "")
            record.msg = f"{status} {request.method} {_route_name(request)}".strip()
            record.args = ()
            record.request = None
        elif record.name == "django.server":
            # runserver's access lines are "GET /path HTTP/1.1" status size.
            record.msg = "request served"
            record.args = ()
        return True


def _route_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return match.view_name
    return "unresolved path"
