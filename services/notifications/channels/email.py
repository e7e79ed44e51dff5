"""E-mail through the operator's SMTP relay (Amazon SES, SendGrid, Postfix, Mailpit locally) with aiosmtplib:
multipart text + HTML (the bytes written by channels/mime.py), STARTTLS or implicit TLS, credentials; a few
connections kept open and reused.

What the relay answers decides what happens next: a connection that fails or a 4xx is transient (the message is
retried with backoff); a 5xx, or an address that is not one, is permanent (failed, with the relay's words)."""

from __future__ import annotations

import asyncio
import contextlib

import aiosmtplib
from email_validator import EmailNotValidError, validate_email
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.notifications.channels import Outgoing, PermanentFailure, TransientFailure, mime


class SmtpSettings(BaseSettings):
    """The operator's relay, from SMTP_HOST, SMTP_PORT, SMTP_SECURITY, SMTP_USERNAME, SMTP_PASSWORD, SMTP_SENDER, ..."""

    model_config = SettingsConfigDict(env_prefix="SMTP_", extra="ignore")
    host: str = "127.0.0.1"
    port: int = 1025
    security: str = "none"  # none | starttls | tls (implicit TLS, e.g. port 465)
    username: str = ""
    password: SecretStr = SecretStr("")
    sender: str = "notifications@tijara.ma"
    sender_name: str = "Tijara"
    connections: int = 4
    timeout_seconds: float = 30.0


class EmailChannel:
    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._idle: list[aiosmtplib.SMTP] = []
        self._slots = asyncio.Semaphore(settings.connections)
        self._from = mime.sender(settings.sender, settings.sender_name)

    async def send(self, message: Outgoing) -> None:
        try:
            address = validate_email(message.to, check_deliverability=False)
        except EmailNotValidError as error:
            raise PermanentFailure(f"bad address {message.to!r}: {error}") from error
        # An internationalised domain travels as IDNA; a non-ASCII mailbox name needs the relay's SMTPUTF8 (RFC 6531).
        to, options = (address.ascii_email, []) if address.ascii_email else (address.normalized, ["SMTPUTF8"])
        email = mime.as_bytes(message, self._from)
        async with self._slots:
            client = self._idle.pop() if self._idle else None
            try:
                client = client if client and client.is_connected else await self._connect()
                if options and not client.supports_extension("smtputf8"):
                    raise PermanentFailure(f"the relay does not accept the non-ASCII address {message.to!r} "
                                           "(no SMTPUTF8)")
                await client.sendmail(self.settings.sender, [to], email, mail_options=options)
            except PermanentFailure:
                self._idle.append(client)
                raise
            except aiosmtplib.SMTPRecipientsRefused as refused:
                self._idle.append(client)  # the connection is fine; the address is not
                raise _by_code(min(r.code for r in refused.recipients), str(refused.recipients)) from refused
            except aiosmtplib.SMTPResponseException as answer:
                await _discard(client)
                raise _by_code(answer.code, answer.message) from answer
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                await _discard(client)
                raise TransientFailure(f"relay unreachable: {type(error).__name__}: {error}") from error
            self._idle.append(client)

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        client = aiosmtplib.SMTP(hostname=s.host, port=s.port, use_tls=s.security == "tls",
                                 start_tls=s.security == "starttls", timeout=s.timeout_seconds)
        await client.connect()
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()  # its extensions known before the first message (SMTPUTF8 for some addresses)
        if s.username:
            await client.login(s.username, s.password.get_secret_value())
        return client

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            await _discard(client)


def _by_code(code: int, detail: str) -> Exception:
    if 400 <= code < 500 or code < 0:
        return TransientFailure(f"relay answered {code}: {detail}")
    return PermanentFailure(f"relay answered {code}: {detail}")


async def _discard(client: aiosmtplib.SMTP | None) -> None:
    if client is not None:
        with contextlib.suppress(Exception):
            client.close()
