"""The alert email's bodies, written out in Python: plain text and HTML for SMTP, and the
placeholders of the GOV.UK Notify template (alerts/notify_template.txt) in Notify's own
formatting.

Plain string building rather than a template engine: a backlog of thousands of alerts is
rendered in one go, and this is several times faster than Jinja for the same output. Every
value that reaches the HTML goes through `escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape as _escape
from pathlib import Path
from typing import Protocol


class AlertView(Protocol):
    """What an email shows of one alert (alerts.compose.AlertView has it)."""

    @property
    def title(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def facts(self) -> list[tuple[str, str]]: ...
    @property
    def record_url(self) -> str: ...
    @property
    def acknowledge_url(self) -> str: ...


@lru_cache(maxsize=8192)
def escape(value: str) -> str:
    # the same authority names, dates and labels recur in every email of a batch
    return _escape(value)


@dataclass(frozen=True)
class EmailContent:
    title: str
    sent_on: str
    summary: str  # how many alerts, how many need action, the earliest deadline
    sections: Sequence[tuple[str, Sequence[AlertView]]]  # most urgent first
    alerts_url: str
    footer: str


def footer(identified: bool) -> str:
    if identified:
        return (
            "You need to sign in to Crosscheck to open a record or acknowledge an alert. "
            "This email holds personal data: keep it within your licensing team and do not "
            "forward it."
        )
    return (
        "This email does not say who the alerts are about: sign in to Crosscheck to see, to "
        "open a record or to acknowledge an alert. Keep it within your licensing team."
    )


RECORD_LINK = "Sign in to see the record"
ACKNOWLEDGE_LINK = "Acknowledge this alert"


def text_body(content: EmailContent) -> str:
    out = [content.title, f"Sent {content.sent_on}", "", content.summary, ""]
    for heading, alerts in content.sections:
        out += [heading, "=" * len(heading), ""]
        for alert in alerts:
            out += [alert.title, f"What to do: {alert.note}"]
            out += [f"  {label}: {value}" for label, value in alert.facts]
            out += [
                f"{RECORD_LINK}: {alert.record_url}",
                f"{ACKNOWLEDGE_LINK}: {alert.acknowledge_url}",
                "",
            ]
    out += ["---", f"All your authority's alerts: {content.alerts_url}", content.footer, ""]
    return "\n".join(out)


STYLE = {
    "body": "margin:0;padding:0;font-family:Arial,sans-serif;font-size:16px;line-height:1.4;"
    "color:#0b0c0c;background:#ffffff",
    "bar": "background:#0b0c0c;color:#ffffff;padding:12px 20px;font-size:20px;font-weight:bold",
    "main": "padding:20px;max-width:680px",
    "h1": "font-size:26px;margin:0 0 8px",
    "muted": "color:#505a5f;margin:0 0 8px",
    "h2": "font-size:21px;border-bottom:2px solid #b1b4b6;padding-bottom:4px;margin:32px 0 12px",
    "alert": "border-left:5px solid #1d70b8;padding:4px 0 4px 14px;margin:0 0 24px",
    "action": "margin:0 0 8px;padding:8px 12px;background:#f3f2f1",
    "h3": "font-size:18px;margin:0 0 4px",
    "th": "text-align:left;vertical-align:top;padding:4px 16px 4px 0;font-weight:bold",
    "td": "padding:4px 0",
    "p": "margin:0 0 8px",
    "a": "color:#1d70b8",
    "foot": "color:#505a5f;font-size:14px",
}


@lru_cache(maxsize=256)
def _row_start(label: str) -> str:
    return (
        f'<tr><th scope="row" style="{STYLE["th"]}">{escape(label)}</th><td style="{STYLE["td"]}">'
    )


def _alert_html(alert: AlertView) -> str:
    rows = "".join(
        f"{_row_start(label)}{escape(value)}</td></tr>\n" for label, value in alert.facts
    )
    return (
        f'<div style="{STYLE["alert"]}">\n'
        f'<h3 style="{STYLE["h3"]}">{escape(alert.title)}</h3>\n'
        f'<p style="{STYLE["action"]}"><strong>What to do:</strong> {escape(alert.note)}</p>\n'
        f'<table role="presentation" style="border-collapse:collapse;margin:0 0 8px">\n{rows}</table>\n'
        f'<p style="margin:0"><a href="{escape(alert.record_url)}" style="{STYLE["a"]}">'
        f'{RECORD_LINK}</a> &nbsp;|&nbsp; <a href="{escape(alert.acknowledge_url)}" '
        f'style="{STYLE["a"]}">{ACKNOWLEDGE_LINK}</a></p>\n</div>\n'
    )


def html_body(content: EmailContent) -> str:
    title = escape(content.title)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{title}</title>\n</head>\n<body style="{STYLE["body"]}">\n'
        f'<div style="{STYLE["bar"]}">Crosscheck</div>\n<div style="{STYLE["main"]}">\n'
        f'<h1 style="{STYLE["h1"]}">{title}</h1>\n'
        f'<p style="{STYLE["muted"]}">Sent {escape(content.sent_on)}</p>\n'
        f'<p style="{STYLE["p"]}">{escape(content.summary)}</p>\n'
    ]
    for heading, alerts in content.sections:
        parts.append(f'<h2 style="{STYLE["h2"]}">{escape(heading)}</h2>\n')
        parts += [_alert_html(alert) for alert in alerts]
    parts.append(
        '<hr style="border:0;border-top:1px solid #b1b4b6;margin:32px 0 16px">\n'
        f'<p style="{STYLE["foot"]}"><a href="{escape(content.alerts_url)}" style="{STYLE["a"]}">'
        f"All your authority's alerts</a>. {escape(content.footer)}</p>\n</div>\n</body>\n</html>\n"
    )
    return "".join(parts)


# GOV.UK Notify ------------------------------------------------------------------------------
# Notify renders its own HTML and plain text from a template written in its formatting: "#"
# and "##" headings, "*" bullets, "^" inset text, "---" a line, URLs as they are. Values put
# into placeholders are formatted the same way (with any HTML escaped), so the alerts go into
# ((alerts)) already laid out.

NOTIFY_TEMPLATE = Path(__file__).with_name("notify_template.txt")


def _notify_line(value: str) -> str:
    # one line each: a line break inside a value would end the bullet or inset it is in
    return " ".join(value.split())


def _notify_alert(alert: AlertView) -> str:
    facts = "\n".join(
        f"* {_notify_line(label)}: {_notify_line(value)}" for label, value in alert.facts
    )
    return (
        f"## {_notify_line(alert.title)}\n\n"
        f"^ What to do: {_notify_line(alert.note)}\n\n"
        f"{facts}\n\n"
        f"{RECORD_LINK}: {alert.record_url}\n"
        f"{ACKNOWLEDGE_LINK}: {alert.acknowledge_url}"
    )


def notify_personalisation(subject: str, content: EmailContent) -> dict[str, str]:
    """The values for the Notify template's placeholders (alerts/notify_template.txt)."""
    alerts = "\n\n".join(
        f"# {_notify_line(heading)}\n\n" + "\n\n".join(_notify_alert(a) for a in items)
        for heading, items in content.sections
    )
    return {
        "subject": subject,
        "title": content.title,
        "sent_on": content.sent_on,
        "summary": content.summary,
        "alerts": alerts,
        "alerts_url": content.alerts_url,
        "footer": content.footer,
    }
