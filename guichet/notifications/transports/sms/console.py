"""Development SMS backend: the message is written to the log."""

import logging

logger = logging.getLogger("guichet.sms")


def send_sms(*, to: str, text: str, reference: str) -> str:
    logger.info("SMS to %s: %s", to, text)
    return f"console:{reference}"
