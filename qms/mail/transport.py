"""Building a mail (text and HTML, UTF-8) and handing it over: to the SMTP server, or to the outbox folder."""
from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app

from qms.spine import clock

SMTP_TIMEOUT = 30  # seconds for each network step; the job's own timeout is longer


class MailRefused(Exception):
    """The server would not take the mail (refused, unreachable, wrong credentials); the message says why, briefly."""


def base_url() -> str:
    return (current_app.config.get("QMS_BASE_URL") or "").rstrip("/")


def absolute(path: str) -> str:
    """A link for a mail or a calendar: QMS_BASE_URL + the path (only local paths; anything else is dropped)."""
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return base_url() + "/"
    return base_url() + path


def sender() -> str:
    return current_app.config.get("QMS_MAIL_FROM") or "QMS <qms@localhost>"


def build(to_address: str, subject: str, text: str, html: str) -> bytes:
    """An RFC 5322 message: plain text with an HTML alternative, UTF-8, with Date and Message-ID."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender()
    message["To"] = to_address
    message["Date"] = format_datetime(clock.now())
    domain = parseaddr(sender())[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should stay quiet
    # base64: 7-bit safe for any server, whatever the language of the text.
    message.set_content(text, charset="utf-8", cte="base64")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    return message.as_bytes(policy=policy.SMTP)


def configured() -> bool:
    return bool(current_app.config.get("QMS_SMTP_HOST"))


def send(data: bytes, to_address: str) -> None:
    """Send a built message through the configured SMTP server; MailRefused (short reason) when it fails."""
    config = current_app.config
    host, port = config["QMS_SMTP_HOST"], int(config.get("QMS_SMTP_PORT") or 587)
    envelope_from = parseaddr(sender())[1] or "qms@localhost"
    try:
        if config.get("QMS_SMTP_SSL"):
            connection = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with connection:
            connection.ehlo()
            if not config.get("QMS_SMTP_SSL") and config.get("QMS_SMTP_STARTTLS"):
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if config.get("QMS_SMTP_USERNAME"):
                connection.login(config["QMS_SMTP_USERNAME"], config.get("QMS_SMTP_PASSWORD") or "")
            refused = connection.sendmail(envelope_from, [to_address], data)
    except smtplib.SMTPResponseException as error:
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) \
            else str(error.smtp_error)
        raise MailRefused(f"SMTP {error.smtp_code}: {text}"[:200]) from error
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = next(iter(error.recipients.values()), (0, b""))
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        raise MailRefused(f"SMTP {code}: {text} (recipient refused)"[:200]) from error
    except (smtplib.SMTPException, OSError) as error:
        raise MailRefused(f"{type(error).__name__}: {error}"[:200]) from error
    if refused:
        raise MailRefused(f"recipient refused: {to_address}"[:200])


def valid_address(address: str) -> bool:
    """A single plain address (no display name, no line breaks) that the mail headers accept."""
    if not isinstance(address, str) or any(c in address for c in "\r\n<>,;") or "@" not in address:
        return False
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        return False
    return True
