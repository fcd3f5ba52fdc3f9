"""EMAIL_URL → MAILERS["default"]: every supported form builds a working Django mailer, and a
wrong one stops start-up with a message that says what to write instead."""

from __future__ import annotations

import pytest
from django.core import mail

from igny8.email_url import parse_email_url


@pytest.fixture
def mailer(settings):
    """`mailer(url)` → the backend Django builds from that EMAIL_URL."""

    def build(url: str):
        settings.MAILERS = {"default": parse_email_url(url)}
        return mail.mailers["default"]

    return build


def test_smtp_uses_starttls_on_587_by_default(mailer):
    backend = mailer("smtp://mail.example.com")
    assert type(backend).__module__ == "django.core.mail.backends.smtp"
    assert (backend.host, backend.port) == ("mail.example.com", 587)
    assert (backend.use_tls, backend.use_ssl) == (True, False)
    assert (backend.username, backend.password) == ("", "")


def test_smtp_with_credentials_and_port(mailer):
    backend = mailer("smtp://postmaster%40example.com:s3cr%2Ft%3A@mail.example.com:2525")
    assert (backend.host, backend.port) == ("mail.example.com", 2525)
    assert backend.username == "postmaster@example.com"
    assert backend.password == "s3cr/t:"
    assert backend.timeout == 20


def test_smtps_uses_tls_on_465(mailer):
    backend = mailer("SMTPS://user:pw@mail.example.com")
    assert backend.port == 465
    assert (backend.use_tls, backend.use_ssl) == (False, True)
    assert (backend.username, backend.password) == ("user", "pw")


@pytest.mark.parametrize(
    ("url", "module"),
    [
        ("console://", "django.core.mail.backends.console"),
        ("dummy://", "django.core.mail.backends.dummy"),
    ],
)
def test_console_and_dummy(mailer, url, module):
    assert type(mailer(url)).__module__ == module


def test_file_writes_each_email_into_the_folder(mailer, tmp_path):
    folder = tmp_path / "outbox"
    backend = mailer(f"file://{folder}")
    sent = mail.EmailMessage("Hello", "Body text", "a@example.com", ["b@example.com"])
    assert backend.send_messages([sent]) == 1
    (written,) = list(folder.iterdir())
    assert "Subject: Hello" in written.read_text()


@pytest.mark.parametrize(
    "url", ["sendgrid://apikey@smtp.sendgrid.net", "mailgun://x", "", "mail.example.com"]
)
def test_unknown_scheme_is_refused_with_the_supported_list(url):
    with pytest.raises(ValueError) as error:
        parse_email_url(url)
    message = str(error.value)
    assert "is not supported" in message
    for scheme in ("smtp://", "smtps://", "console://", "file:///", "dummy://"):
        assert scheme in message


@pytest.mark.parametrize("url", ["file://", "file://relative/folder"])
def test_file_without_an_absolute_folder_is_refused(url):
    with pytest.raises(ValueError, match="needs an absolute folder"):
        parse_email_url(url)


def test_bad_port_is_refused_without_echoing_the_password():
    with pytest.raises(ValueError, match="port that is not a number") as error:
        parse_email_url("smtp://user:hunter2@mail.example.com:abc")
    assert "hunter2" not in str(error.value)


def test_smtp_without_starttls_for_a_local_mail_catcher():
    config = parse_email_url("smtp://localhost:1025?tls=0")
    assert config["OPTIONS"]["use_tls"] is False
    assert config["OPTIONS"]["use_ssl"] is False
    assert config["OPTIONS"]["port"] == 1025
