"""Composition root of notifications: `python -m services.notifications`."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from pydantic import Field, SecretStr

from services.notifications import api, consumers, domain, privacy
from services.notifications.channels.email import EmailChannel, SmtpSettings
from services.notifications.composer import Composer
from services.notifications.contacts import Contacts
from services.notifications.delivery import Sender
from services.notifications.service import Notifications
from services.notifications.store import NotificationStore
from shared.contracts.privacy import PrivacyTopic
from shared.messaging.relay import OutboxRelay
from shared.settings import ServiceSettings
from shared.web.erasure_outcomes import OUTCOMES, ErasureOutcomes
from shared.web.privacy import operator_router, retention_job
from shared.web.runtime import Runtime, create_app, every, serve
from shared.web.service_identity import ServiceIdentity


class Settings(ServiceSettings):
    service_name: str = "notifications"
    http_port: int = 8005
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)  # SMTP_* (channels/email.py)
    onboarding_url: str = "http://127.0.0.1:8001"  # suppliers' contacts
    inquiries_url: str = "http://127.0.0.1:8003"  # buyers' contacts and what they wrote
    partners_url: str = "http://127.0.0.1:8004"  # onboarding partners' contacts
    notifier_client_id: str = "notifier"  # the client-credentials client of the identity provider
    notifier_client_secret: SecretStr = SecretStr("notifier-local-secret")
    notifier_token_url: str = ""  # the token endpoint, when the issuer's discovery names a host unreachable from here
    public_url: str = "http://127.0.0.1:8005"  # this service as recipients reach it (unsubscribe links)
    showcase_url: str = "http://127.0.0.1:8000"  # supplier pages, as buyers reach them
    answer_url: str = ""  # the inquiries service as suppliers reach it; empty: INQUIRIES_URL
    unsubscribe_secret: SecretStr = SecretStr("local-unsubscribe-secret")
    message_id_domain: str = "tijara.ma"
    send_poll_seconds: float = 2.0
    send_concurrency: int = 128  # messages composed at once (contacts asked, rendered); SMTP_CONNECTIONS send
    send_backoff_seconds: float = 5.0
    send_backoff_max_seconds: float = 900.0
    send_lease_seconds: float = 120.0  # a claimed message comes back after this if its sender died mid-send
    flood_limit_per_hour: int = domain.FLOOD_LIMIT  # a supplier's inquiry messages an hour before its digest
    jobs_every_seconds: float = 60.0  # reminders, expiring verifications, digests, retention
    sent_message_retention: timedelta = domain.RETENTION  # a sent message's copy (address, text): privacy.py


def build(settings: Settings | None = None) -> FastAPI:
    runtime = Runtime.create(settings or Settings())
    s: Settings = runtime.settings  # type: ignore[assignment]
    store = NotificationStore(runtime.db)
    identity = ServiceIdentity(s.oidc_issuer, s.notifier_client_id, s.notifier_client_secret.get_secret_value(),
                               token_endpoint=s.notifier_token_url)
    contacts = Contacts(identity, s.onboarding_url, s.inquiries_url, s.partners_url)
    composer = Composer(store, contacts, public_url=s.public_url, showcase_url=s.showcase_url,
                        answer_url=s.answer_url or s.inquiries_url,
                        unsubscribe_secret=s.unsubscribe_secret.get_secret_value())
    sender = Sender(store, composer, EmailChannel(s.smtp), poll_seconds=s.send_poll_seconds,
                    concurrency=s.send_concurrency, backoff_seconds=s.send_backoff_seconds,
                    backoff_max_seconds=s.send_backoff_max_seconds, lease_seconds=s.send_lease_seconds)
    notifications = Notifications(store, sender, s.message_id_domain, s.flood_limit_per_hour)
    personal = privacy.MessagePersonalData(store, s.privacy_secret.get_secret_value(), s.sent_message_retention)
    runtime.relay = OutboxRelay.of(runtime.broker, s, [runtime.db[OUTCOMES]])  # publishes only what it erased
    runtime.publishes = [PrivacyTopic.ERASURES]
    outcomes = ErasureOutcomes(runtime.db, privacy.SERVICE, runtime.relay)
    runtime.on_start.append(store.ensure_indexes)
    runtime.background.append(sender.run)
    runtime.background.append(lambda: every(s.jobs_every_seconds, notifications.remind,
                                            notifications.warn_expiring, notifications.gather_digests,
                                            retention_job(personal, outcomes)))
    runtime.on_stop.append(contacts.close)
    consumers.register(runtime.broker, notifications, s)
    app = create_app(runtime, [api.people, api.operations, operator_router(privacy.personal_data)],
                     "Messages to people about the marketplace's events.")
    app.state.notifications = notifications
    app.state.personal_data = personal
    app.state.erasure_outcomes = outcomes
    app.state.unsubscribe_secret = s.unsubscribe_secret.get_secret_value()
    return app


def main() -> None:
    settings = Settings()
    serve(build(settings), settings)
