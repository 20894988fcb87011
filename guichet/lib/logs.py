"""Logs as one JSON object a line (GUICHET_LOG_FORMAT=json), each tagged with the request it belongs to."""

import contextvars
import datetime
import json
import logging

# Set by operations.middleware.RequestIdMiddleware for the length of a request; "" outside requests.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


class RequestIdFilter(logging.Filter):
    """Give every record the current request's id (plain format: ``%(request_id)s``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs an error answer after the middlewares are done: it passes the request along.
        request = getattr(record, "request", None)
        record.request_id = request_id_var.get() or getattr(request, "request_id", "")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
