"""notifications on the real store and a real SMTP server (Mailpit): each message recorded before it is sent, sent
once, a redelivery or replay sending nothing, transient failures retried with the same Message-ID, permanent ones
failed with the reason, floods and daily choices gathered into digests, unsubscribes honoured. The owners of
contacts are an in-memory directory here (their HTTP endpoints are exercised by the e2e test)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.notifications import domain
from services.notifications.channels.email import EmailChannel, SmtpSettings
from services.notifications.composer import Composer
from services.notifications.contacts import Contact, NoContact
from services.notifications.delivery import Sender
from services.notifications.domain import Audience, Status
from services.notifications.readers import InquiryAnswered, InquiryArrived, SupplierNoticed
from services.notifications.service import Notifications
from services.notifications.store import NotificationStore
from shared.contracts.envelope import Envelope
from shared.storage.mongo import connect
from tests.integration.helpers import reads_index

pytestmark = pytest.mark.integration


class Directory:
    """The owners' answers (onboarding's contact, inquiries' correspondence), in memory."""

    def __init__(self) -> None:
        self.suppliers: dict[str, dict] = {}
        self.inquiries: dict[str, dict] = {}

    async def contact(self, recipient):
        if recipient.audience is Audience.SUPPLIER:
            s = self.suppliers[recipient.id]
            return Contact(s["email"], s["language"], digest=s.get("digest", "immediate")), s
        if recipient.audience is Audience.BUYER:
            c = self.inquiries[recipient.id]
            return Contact(c["contact_email"], c["language"]), c
        raise NoContact("no partner contact")

    async def correspondence(self, inquiry_id):
        return self.inquiries[inquiry_id]

    def batch(self, inquiry_ids, supplier_ids=()):  # a sending batch's answers: the same memory
        return self


class World:
    def __init__(self, db, mailbox, smtp_port: int | None = None) -> None:
        self.store = NotificationStore(db)
        self.directory = Directory()
        self.composer = Composer(self.store, self.directory, public_url="http://n", showcase_url="http://s",
                                 answer_url="http://i", unsubscribe_secret="s")
        self.channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=smtp_port or mailbox.smtp_port,
                                                 timeout_seconds=5))
        self.sender = Sender(self.store, self.composer, self.channel, backoff_seconds=0.01)
        self.notifications = Notifications(self.store, self.sender, "tijara.test")
        self.mailbox = mailbox
        self.tag = uuid.uuid4().hex[:8]

    def supplier(self, n: int = 0, **choices) -> str:
        sid = f"sup-{self.tag}-{n}"
        self.directory.suppliers[sid] = {"email": f"{sid}@safi.example.ma", "language": "fr", **choices}
        return sid

    def inquiry(self, sid: str, n: int, email: str | None = None, at: datetime | None = None) -> Envelope:
        iid = f"inq-{self.tag}-{n}"
        self.directory.inquiries[iid] = {"contact_email": email or f"buyer-{iid}@atlantic.example.com",
                                         "language": "en", "message": f"Price for {iid}?", "response": "Yes."}
        at = at or datetime.now(UTC)
        return Envelope(InquiryArrived(sequence=1, inquiry_id=iid, supplier_id=sid, occurred_at=at, received_at=at,
                                       buyer_company="Atlantic", buyer_country="CA", quantity=10, unit="carton"),
                        "/test")

    def sent_to(self, address: str) -> list[dict]:
        return self.mailbox.to(address)


@pytest.fixture
async def world(infrastructure, unique, mailbox):
    client = connect(infrastructure.mongodb)
    world = World(client[f"it_{unique}_notifications"], mailbox)
    await world.store.ensure_indexes()
    yield world
    await world.channel.close()
    await client.close()


async def test_recorded_then_sent_once_and_a_redelivery_sends_nothing(world) -> None:
    sid = world.supplier()
    envelope = world.inquiry(sid, 1)
    await world.notifications.on_inquiry(envelope)
    assert await world.sender.send_due() == 1
    await world.notifications.on_inquiry(envelope)  # redelivered, or replayed
    assert await world.sender.send_due() == 0
    [sent] = world.sent_to(f"{sid}@safi.example.ma")
    [message] = await world.store.listing("sent", f"supplier:{sid}", 10)
    assert sent["MessageID"] == message["message_id"].strip("<>")


async def test_due_and_held_messages_are_read_through_their_indexes_not_the_whole_outbox(world) -> None:
    """The sender's read of what is due, and the digest job's of what is held, read their sparse indexes (on
    MongoDB and on the local store) and find exactly those: not later ones, not sent ones."""
    sid, now = world.supplier(), datetime.now(UTC)
    for n in range(3):
        await world.notifications.on_inquiry(world.inquiry(sid, n, at=now))
    [later, *_] = await world.store.due(now + timedelta(seconds=1), 10)
    await world.store.retry_later(later["_id"], now + timedelta(hours=1), 1, "relay down")
    due = await world.store.due(now + timedelta(seconds=1), 10)
    assert len(due) == 2 and later["_id"] not in {d["_id"] for d in due}
    await world.store.hold(due[0]["_id"], now + timedelta(minutes=5), "daily")
    assert [d["_id"] for d in await world.store.held_until(now + timedelta(minutes=6))] == [due[0]["_id"]]
    assert await world.store.held_until(now) == []
    for query, index in (({"due_at": {"$lte": now}}, "due_at_1"), ({"held_until": {"$lte": now}}, "held_until_1")):
        plan = (await world.store.messages.find(query).explain())["queryPlanner"]["winningPlan"]
        assert reads_index(plan, index), plan


async def test_a_relay_down_is_retried_later_with_the_same_message_id(world, mailbox) -> None:
    sid = world.supplier()
    world.sender.channel = EmailChannel(SmtpSettings(host="127.0.0.1", port=1, timeout_seconds=2))  # refused
    await world.notifications.on_inquiry(world.inquiry(sid, 1))
    assert await world.sender.send_due() == 0
    [waiting] = await world.store.listing("queued", f"supplier:{sid}", 10)
    assert waiting["attempts"] == 1 and "unreachable" in waiting["last_error"]
    world.sender.channel = world.channel  # the relay is back
    await asyncio.sleep(0.05)  # the backoff (10 ms here)
    assert await world.sender.send_due() == 1
    [sent] = world.sent_to(f"{sid}@safi.example.ma")
    assert sent["MessageID"] == waiting["message_id"].strip("<>")


async def test_a_refused_address_fails_with_the_reason_and_the_others_go(world) -> None:
    sid = world.supplier()
    await world.notifications.on_inquiry(world.inquiry(sid, 1))
    refused = world.inquiry(sid, 2, email=f"buyer-{world.tag}@refused.example.com")
    await world.notifications.on_inquiry(refused)
    await world.sender.send_due()
    for n in (1, 2):
        answered = InquiryAnswered(sequence=2, inquiry_id=f"inq-{world.tag}-{n}", supplier_id=sid,
                                   occurred_at=datetime.now(UTC), received_at=datetime.now(UTC),
                                   responded_at=datetime.now(UTC))
        await world.notifications.on_inquiry(Envelope(answered, "/test"))
    await world.sender.send_due()
    [failed] = await world.store.listing("failed", f"buyer:inq-{world.tag}-2", 10)
    assert "550" in failed["last_error"] and failed["attempts"] == 0
    assert len(world.sent_to(f"buyer-inq-{world.tag}-1@atlantic.example.com")) == 1
    assert await world.sender.send_due() == 0  # not retried


async def test_a_flood_becomes_one_digest_and_a_daily_choice_waits_for_the_morning(world) -> None:
    sid = world.supplier(0)
    at = datetime.now(UTC)
    for n in range(domain.FLOOD_LIMIT + 3):
        await world.notifications.on_inquiry(world.inquiry(sid, n, at=at))
    assert await world.sender.send_due() == domain.FLOOD_LIMIT
    held = await world.store.listing("held", f"supplier:{sid}", 100)
    assert len(held) == 3
    assert await world.notifications.gather_digests(domain.flood_window(at) + domain.FLOOD_WINDOW) == 1
    assert await world.sender.send_due() == 1
    digests = [m for m in world.sent_to(f"{sid}@safi.example.ma") if m["Subject"].startswith("Tijara")]
    assert len(digests) == 1 and len(await world.store.listing("digested", f"supplier:{sid}", 100)) == 3

    daily = world.supplier(1, digest="daily")
    await world.notifications.on_inquiry(world.inquiry(daily, 100))
    assert await world.sender.send_due() == 0
    [waiting] = await world.store.listing("held", f"supplier:{daily}", 10)
    assert waiting["held_for"] == "daily"


async def test_a_reminder_once_after_20_hours_unless_unsubscribed(world) -> None:
    sid, quiet = world.supplier(0), world.supplier(1)
    long_ago = datetime.now(UTC) - timedelta(hours=21)
    for s, n in ((sid, 1), (quiet, 2)):
        await world.notifications.on_inquiry(world.inquiry(s, n, at=long_ago))
    await world.sender.send_due()
    await world.notifications.unsubscribe(f"{quiet}@safi.example.ma")
    assert await world.notifications.remind() == 2
    assert await world.notifications.remind() == 0  # idempotent
    await world.sender.send_due()
    [reminder] = [m for m in world.sent_to(f"{sid}@safi.example.ma") if m["Subject"].startswith("Rappel")]
    headers = world.mailbox.headers(reminder["ID"])
    assert headers["List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
    assert headers["List-Unsubscribe"][0].startswith("<http://n/unsubscribe?token=")
    assert len(world.sent_to(f"{quiet}@safi.example.ma")) == 1  # the inquiry, not the reminder
    [suppressed] = await world.store.listing("suppressed", f"supplier:{quiet}", 10)
    assert "unsubscribed" in suppressed["reason"]


async def test_a_crash_after_the_hand_off_resends_the_same_message(world) -> None:
    sid = world.supplier()
    await world.notifications.on_inquiry(world.inquiry(sid, 1))
    assert await world.sender.send_due() == 1
    [message] = await world.store.listing("sent", f"supplier:{sid}", 10)
    # as if the process died after the relay's 250 and before `sent` was written: queued again
    await world.store.messages.update_one({"_id": message["_id"]},
                                          {"$set": {"status": "queued", "due_at": datetime.now(UTC)}})
    assert await world.sender.send_due() == 1
    first, again = world.sent_to(f"{sid}@safi.example.ma")
    assert first["MessageID"] == again["MessageID"] and first["Subject"] == again["Subject"]


async def test_supplier_standing_reaches_the_sme_not_an_unknown_partner(world) -> None:
    sid = world.supplier()
    profile = {"trade_name": "Conserverie", "region": "Marrakech-Safi", "country": "MA"}
    now = datetime.now(UTC)
    submitted = SupplierNoticed(sequence=1, supplier_id=sid, status="submitted", verification_level="none",
                                profile=profile, occurred_at=now, submitted_by="clementia")
    await world.notifications.on_supplier(Envelope(submitted, "/test", ce_type=
                                                   "ma.tijara.supplier.application-submitted.v1"))
    rejected = SupplierNoticed(sequence=2, supplier_id=sid, status="rejected", verification_level="none",
                               profile=profile, occurred_at=now, reason="ONSSA approval missing")
    decision = Envelope(rejected, "/test", ce_type="ma.tijara.supplier.rejected.v1")
    world.last_cause = {sid: decision.id}
    await world.notifications.on_supplier(decision)
    await world.sender.send_due()
    [told] = world.sent_to(f"{sid}@safi.example.ma")
    assert "ONSSA approval missing" in world.mailbox.message(told["ID"])["Text"]
    assert told["Subject"] == "La demande de Conserverie n'a pas été acceptée"
    [partner] = [m for m in await world.store.listing(None, "partner:clementia", 1000)
                 if m["cause"] == told_cause(world, sid)]
    assert partner["status"] == Status.SUPPRESSED and "no partner contact" in partner["reason"]  # nothing to send


def told_cause(world, sid: str) -> str:
    return world.last_cause[sid]


async def test_the_one_click_unsubscribe_link_works_and_cannot_be_forged(settings_for, mailbox) -> None:
    """RFC 8058: the link of a reminder, opened (GET: a page that asks) and posted (the mail client's one click)."""
    from services.notifications import unsubscribe
    from services.notifications.main import Settings, build
    from tests.integration.helpers import serving

    settings = settings_for(Settings)
    app = build(settings)
    secret = settings.unsubscribe_secret.get_secret_value()
    address = f"buyer-{uuid.uuid4().hex[:6]}@atlantic.example.com"
    signed = unsubscribe.token(address, secret)
    async with serving(app) as http:
        page = await http.get("/unsubscribe", params={"token": signed})
        assert page.status_code == 200 and "<form method=\"post\"" in page.text
        assert not await app.state.notifications.store.is_unsubscribed(address)  # opening the link changes nothing
        clicked = await http.post("/unsubscribe", params={"token": signed},
                                  data={"List-Unsubscribe": "One-Click"})
        assert clicked.status_code == 200
        assert await app.state.notifications.store.is_unsubscribed(address)
        forged = await http.post("/unsubscribe", params={"token": unsubscribe.token("victim@example.com", "guess")})
        assert forged.status_code == 400 and forged.json()["error"]
        assert not await app.state.notifications.store.is_unsubscribed("victim@example.com")


async def test_a_verification_ending_within_30_days_is_warned_of_once(world) -> None:
    sid = world.supplier()
    profile = {"trade_name": "Conserverie", "region": "Marrakech-Safi", "country": "MA"}
    now = datetime.now(UTC)
    verified = SupplierNoticed(sequence=5, supplier_id=sid, status="verified", verification_level="inspected",
                               profile=profile, occurred_at=now, valid_until=now + timedelta(days=12))
    await world.notifications.on_supplier(Envelope(verified, "/test", ce_type="ma.tijara.supplier.verified.v1"))
    assert await world.notifications.warn_expiring() == 1
    assert await world.notifications.warn_expiring() == 0
    await world.sender.send_due()
    subjects = sorted(m["Subject"] for m in world.sent_to(f"{sid}@safi.example.ma"))
    assert subjects[0] == "Conserverie est vérifié sur Tijara"
    assert subjects[1].startswith("La vérification de Conserverie prend fin le ")


async def test_an_internationalised_address_is_delivered_not_retried_forever(world) -> None:
    """A mailbox name in Arabic or with an accent goes through the relay's SMTPUTF8 (Mailpit offers it); an IDN
    domain as IDNA."""
    sid = world.supplier()
    world.directory.suppliers[sid]["email"] = f"josé-{world.tag}@safi.example.ma"
    await world.notifications.on_inquiry(world.inquiry(sid, 1))
    assert await world.sender.send_due() == 1
    assert len(await world.store.listing("sent", f"supplier:{sid}", 10)) == 1
    assert [m for m in world.mailbox.messages(world.tag) if any("josé" in a["Address"] for a in m["To"])]
