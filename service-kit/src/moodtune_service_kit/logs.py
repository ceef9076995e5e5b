"""Log lines that carry the request id, so one request can be followed across services."""

import logging

from moodtune_service_kit.request_ids import request_id_var


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record so one request can be followed across services."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
