"""The alert email's two bodies, plain text and HTML, written out in Python.

Plain string building rather than a template engine: a backlog of thousands of alerts is
rendered in one go, and this is several times faster than Jinja for the same output. Every
value that reaches the HTML goes through `escape`.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape as _escape


@lru_cache(maxsize=8192)
def escape(value: str) -> str:
    # the same authority names, dates and labels recur in every email of a batch
    return _escape(value)


FOOTER = (
    "You need to sign in to Crosscheck to open a record or acknowledge an alert. "
    "This email holds personal data: keep it within your licensing team and do not forward it."
)


def text_body(title: str, sent_on: str, sections, alerts_url: str) -> str:
    out = [title, f"Sent {sent_on}", ""]
    for heading, alerts in sections:
        out += [heading, "=" * len(heading), ""]
        for alert in alerts:
            out += [alert.title, f"Alert reference: A{alert.id}"]
            out += [f"  {label}: {value}" for label, value in alert.facts]
            if alert.note:
                out.append(f"  {alert.note}")
            out += [
                f"  Open the record: {alert.record_url}",
                f"  Acknowledge this alert: {alert.acknowledge_url}",
                "",
            ]
    out += ["---", f"All your authority's alerts: {alerts_url}", FOOTER, ""]
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


def _alert_html(alert) -> str:
    rows = "".join(
        f"{_row_start(label)}{escape(value)}</td></tr>\n" for label, value in alert.facts
    )
    note = f'<p style="{STYLE["p"]}">{escape(alert.note)}</p>\n' if alert.note else ""
    return (
        f'<div style="{STYLE["alert"]}">\n'
        f'<h3 style="{STYLE["h3"]}">{escape(alert.title)}</h3>\n'
        f'<p style="{STYLE["muted"]}">Alert reference: A{alert.id}</p>\n'
        f'<table role="presentation" style="border-collapse:collapse;margin:0 0 8px">\n{rows}</table>\n'
        f'{note}<p style="margin:0"><a href="{escape(alert.record_url)}" style="{STYLE["a"]}">'
        f'Open the record</a> &nbsp;|&nbsp; <a href="{escape(alert.acknowledge_url)}" '
        f'style="{STYLE["a"]}">Acknowledge this alert</a></p>\n</div>\n'
    )


def html_body(title: str, sent_on: str, sections, alerts_url: str) -> str:
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{escape(title)}</title>\n</head>\n<body style="{STYLE["body"]}">\n'
        f'<div style="{STYLE["bar"]}">Crosscheck</div>\n<div style="{STYLE["main"]}">\n'
        f'<h1 style="{STYLE["h1"]}">{escape(title.removeprefix("Crosscheck: "))}</h1>\n'
        f'<p style="{STYLE["muted"]}">Sent {escape(sent_on)}</p>\n'
    ]
    for heading, alerts in sections:
        parts.append(f'<h2 style="{STYLE["h2"]}">{escape(heading)}</h2>\n')
        parts += [_alert_html(alert) for alert in alerts]
    parts.append(
        '<hr style="border:0;border-top:1px solid #b1b4b6;margin:32px 0 16px">\n'
        f'<p style="{STYLE["foot"]}"><a href="{escape(alerts_url)}" style="{STYLE["a"]}">'
        f"All your authority's alerts</a>. {escape(FOOTER)}</p>\n</div>\n</body>\n</html>\n"
    )
    return "".join(parts)
