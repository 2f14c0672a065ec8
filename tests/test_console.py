"""What the service writes to its console: no mail server chatter unless asked for."""

from __future__ import annotations

from licensing.logging_config import litestar_logging


def test_mail_server_chatter_stays_out_of_the_console_unless_asked_for():
    assert litestar_logging().loggers["mail.log"]["level"] == "WARNING"
    assert litestar_logging("DEBUG").loggers["mail.log"]["level"] == "DEBUG"
