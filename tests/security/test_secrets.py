"""The demo's password and API tokens reach the person at the terminal, never the output a
service manager or a shell redirect turns into the service log."""

from __future__ import annotations

import stat

from licensing.cli_accounts import demo_accounts_step
from licensing.cli_service import Secret, show_secrets
from licensing.settings import load


def test_demo_start_up_marks_every_password_and_token_line_for_the_terminal_only(db_url):
    lines = demo_accounts_step(load({"DATABASE_URL": db_url}))
    public = "\n".join(line for line in lines if not isinstance(line, Secret))
    secret = "\n".join(line for line in lines if isinstance(line, Secret))
    assert "officer.sheffield@crosscheck.example" in public  # who to sign in as: fine to log
    assert "cc_" in secret and "password" in secret
    assert "cc_" not in public and "password" not in public


def test_with_no_terminal_the_secrets_go_to_a_file_only_its_owner_can_read(tmp_path):
    said = show_secrets(
        [Secret("token cc_not_for_logs")], tmp_path, tty=str(tmp_path / "no-terminal" / "tty")
    )
    written = tmp_path / "demo-sign-in.txt"
    assert "cc_not_for_logs" in written.read_text()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert str(written) in said and "cc_not_for_logs" not in said


def test_the_signing_key_nobody_used_is_no_setting(db_url):
    settings = load({"DATABASE_URL": db_url, "CROSSCHECK_SECRET_KEY": "anything"})
    assert not hasattr(settings, "secret_key")
