"""The SMTP transport against a real aiosmtpd that insists on TLS and a password."""

from __future__ import annotations

import json
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.config import NotifyConfig, SmtpConfig
from alerts.transports import DeliveryError, Email, NotifyTransport, SmtpTransport
from tests.alerts_support import Inbox, free_port

USER, PASSWORD = "crosscheck", "correct horse battery staple"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    ca = trustme.CA()
    folder = tmp_path_factory.mktemp("tls")
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    return ca, ca.issue_cert("127.0.0.1"), str(folder / "ca.pem")


def server(certificates, *, implicit: bool) -> tuple[Controller, Inbox]:
    _ca, cert, _ = certificates
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    inbox = Inbox()
    options = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": True}
    if implicit:
        # aiosmtpd does not count implicit TLS as TLS for AUTH: the whole connection is TLS anyway
        options["auth_require_tls"] = False
        controller = Controller(
            inbox,
            hostname="127.0.0.1",
            port=free_port(),
            ssl_context=context,
            server_hostname="test-mail",
            **options,
        )
    else:
        controller = Controller(
            inbox,
            hostname="127.0.0.1",
            port=free_port(),
            tls_context=context,
            require_starttls=True,
            server_hostname="test-mail",
            **options,
        )
    controller.start()
    return controller, inbox


EMAIL = Email(
    to="licensing@bolton.gov.uk",
    subject="Crosscheck: 1 alert for Ynys Môn",
    text="Driver: Siân Jones\n",
    html="<p>Driver: Siân Jones</p>",
    message_id="<m1@test>",
    headers={"X-Crosscheck-Alerts": "7"},
    personalisation={"subject": "Crosscheck: 1 alert for Ynys Môn", "alerts": "# Heading"},
)


async def send(config: SmtpConfig) -> str:
    transport = SmtpTransport(config, "Crosscheck <alerts@crosscheck.test>")
    async with transport.session() as session:
        return await session.send(EMAIL)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_alerts_go_over_tls_with_a_password(certificates, security):
    controller, inbox = server(certificates, implicit=security == "tls")
    try:
        config = SmtpConfig(
            host="127.0.0.1",
            port=controller.port,
            security=security,
            username=USER,
            password=PASSWORD,
            ca_file=certificates[2],
            timeout_seconds=30,
        )
        assert await send(config) == "<m1@test>"
    finally:
        controller.stop()
    [mail] = inbox.messages
    assert mail.message["Subject"] == "Crosscheck: 1 alert for Ynys Môn"
    assert "Siân Jones" in mail.text and "Siân Jones" in mail.html


async def test_a_wrong_password_or_no_tls_is_a_clear_temporary_failure(certificates):
    controller, inbox = server(certificates, implicit=False)
    try:
        wrong = SmtpConfig(
            host="127.0.0.1",
            port=controller.port,
            security="starttls",
            username=USER,
            password="wrong",
            ca_file=certificates[2],
            timeout_seconds=30,
        )
        with pytest.raises(DeliveryError) as refused:
            await send(wrong)
        assert refused.value.reason.startswith(
            f"the mail server at 127.0.0.1:{controller.port} refused the sign-in"
        )
        assert refused.value.unreachable and not refused.value.permanent
        untrusted = SmtpConfig(
            host="127.0.0.1",
            port=controller.port,
            security="starttls",
            username=USER,
            password=PASSWORD,
            timeout_seconds=30,
        )
        with pytest.raises(DeliveryError) as unverified:
            await send(untrusted)  # the server's certificate is not signed by a trusted CA
        assert "could not reach the mail server" in unverified.value.reason
    finally:
        controller.stop()
    assert inbox.messages == []


# GOV.UK Notify cannot be reached from here: a stand-in speaks its documented API
# (POST /v2/notifications/email, JWT bearer token, JSON errors) over real HTTP, so the real
# notifications-python-client runs end to end.
SERVICE_ID, SECRET = str(uuid.uuid4()), str(uuid.uuid4())
API_KEY = f"crosscheck_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


class NotifyStandIn(BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, self.headers["Authorization"], body))
        if body["email_address"] == "broken@bolton.gov.uk":
            status, answer = (
                400,
                {
                    "status_code": 400,
                    "errors": [
                        {
                            "error": "ValidationError",
                            "message": "email_address Not a valid email address",
                        }
                    ],
                },
            )
        elif body["email_address"] == "busy@bolton.gov.uk":
            status, answer = (
                500,
                {
                    "status_code": 500,
                    "errors": [{"error": "Exception", "message": "Internal server error"}],
                },
            )
        else:
            status, answer = (
                201,
                {"id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": body.get("reference")},
            )
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


async def test_gov_uk_notify_sends_the_template_placeholders_and_maps_its_errors():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), NotifyStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        transport = NotifyTransport(
            NotifyConfig(API_KEY, TEMPLATE_ID, f"http://127.0.0.1:{server.server_port}")
        )
        async with transport.session() as session:
            assert await session.send(EMAIL) == "740e5834-3a29-46b4-9a6f-16142fde533a"
            with pytest.raises(DeliveryError) as bad:
                await session.send(Email(**{**EMAIL.__dict__, "to": "broken@bolton.gov.uk"}))
            with pytest.raises(DeliveryError) as busy:
                await session.send(Email(**{**EMAIL.__dict__, "to": "busy@bolton.gov.uk"}))
    finally:
        server.shutdown()
    path, authorization, body = NotifyStandIn.received[0]
    assert path == "/v2/notifications/email" and authorization.startswith("Bearer ")
    assert body["template_id"] == TEMPLATE_ID and body["email_address"] == "licensing@bolton.gov.uk"
    assert body["personalisation"] == EMAIL.personalisation
    assert bad.value.permanent
    assert bad.value.reason == "GOV.UK Notify answered 400: email_address Not a valid email address"
    assert not busy.value.permanent and busy.value.unreachable


def test_mail_settings_that_cannot_work_are_refused_with_the_reason():
    from licensing.settings import ConfigError, load

    with pytest.raises(ConfigError, match="NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID"):
        load({"MAIL_TRANSPORT": "notify"})
    with pytest.raises(
        ConfigError, match="SMTP_TIMEOUT_SECONDS must be less than ALERT_LEASE_SECONDS"
    ):
        load({"SMTP_TIMEOUT_SECONDS": "200"})
    with pytest.raises(ConfigError, match="ALERT_LEASE_SECONDS must be a number of seconds"):
        load({"ALERT_LEASE_SECONDS": "soon"})
    assert (
        load({"ALERT_MAX_ATTEMPTS": "3", "ALERT_INTERVAL_SECONDS": "0.5"}).alert_max_attempts == 3
    )
