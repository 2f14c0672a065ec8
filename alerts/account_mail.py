"""Emails to one person about their own account (a password reset link), through the same
mail transport as the alerts (SMTP, or GOV.UK Notify with the alerts' template).

They are sent once, straight after the link is made: a lost email costs the person only
asking again. Nothing about the email's content or address is logged.
"""

from __future__ import annotations

import html
import logging
from datetime import UTC

from alerts.config import AlertConfig
from alerts.transports import DeliveryError, Email, make_transport, new_message_id
from registry.password_resets import LINK_LIFETIME, Link

log = logging.getLogger("crosscheck.account_mail")


def reset_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/sign-in/reset?token={token}"


def reset_email(config: AlertConfig, link: Link) -> Email:
    url = reset_url(config.base_url, link.token)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    until = link.expires_at.astimezone(UTC).strftime("%H:%M UTC")
    asked = (
        "An administrator has asked for your Crosscheck password to be reset."
        if link.by_administrator
        else "Someone asked to reset the password of your Crosscheck account."
    )
    lines = [
        f"Dear {link.display_name},",
        asked,
        f"To choose a new password, open this link within {minutes} minutes (until {until}). "
        "It works once:",
        url,
        "You will still need the code from your authenticator app to sign in.",
        "If you did not ask for this, you can ignore this email: your password has not "
        "changed. Tell your administrator if it happens again.",
    ]
    text = "\n\n".join(lines) + "\n"
    body = "".join(
        f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>'
        if line == url
        else f"<p>{html.escape(line)}</p>"
        for line in lines
    )
    subject = "Reset your Crosscheck password"
    return Email(
        to=link.email,
        subject=subject,
        text=text,
        html=f"<!DOCTYPE html><html><body>{body}</body></html>",
        message_id=new_message_id(config.mail_from),
        personalisation={
            "subject": subject,
            "title": subject,
            "sent_on": "",
            "summary": "\n\n".join(lines[:3]),
            "alerts": url,
            "alerts_url": url,
            "footer": "\n\n".join(lines[4:]),
        },
    )


async def send_reset_email(config: AlertConfig, link: Link) -> bool:
    """Send the link; False (logged without the address) when the mail server refused it."""
    try:
        async with make_transport(config).session() as session:
            await session.send(reset_email(config, link))
    except (DeliveryError, OSError, ValueError) as exc:
        log.warning(
            "password reset email for user %s not sent (%s)", link.user_id, type(exc).__name__
        )
        return False
    return True
