"""Partner rules, pure: scopes per kind, keys stored hashed, signatures, freshness, the token bucket."""

from datetime import UTC, datetime

import pytest

from services.partners import domain as rules
from services.partners.domain import PartnerKind
from shared.contracts.partners import (
    PartnerEndorsement,
    PartnerInspectionReport,
    PartnerReceipt,
    PartnerSupplierApplication,
)


def test_each_kind_may_publish_only_its_own_event_types() -> None:
    clementia = rules.new_partner("clementia", "Clementia", PartnerKind.ONBOARDING_PARTNER)
    amdie = rules.new_partner("amdie", "AMDIE", PartnerKind.EXPORT_AGENCY, organisation="AMDIE")
    sgs = rules.new_partner("sgs", "SGS", PartnerKind.INSPECTION_BODY, organisation="SGS")
    assert clementia.may_publish(PartnerSupplierApplication.TYPE)
    assert amdie.may_publish(PartnerEndorsement.TYPE) and not amdie.may_publish(PartnerInspectionReport.TYPE)
    assert sgs.may_publish(PartnerInspectionReport.TYPE) and not sgs.may_publish(PartnerSupplierApplication.TYPE)
    assert not any(p.may_publish(PartnerReceipt.TYPE) for p in (clementia, amdie, sgs))


def test_keys_are_stored_hashed_and_checked_in_constant_time() -> None:
    partner = rules.new_partner("sgs", "SGS", PartnerKind.INSPECTION_BODY, organisation="SGS")
    key, plaintext = rules.issue_key(partner, datetime.now(UTC))
    key_id, secret = rules.split_key(plaintext)
    assert key_id == key.key_id and key_id.startswith("sgs-")
    assert secret not in key.model_dump_json() and len(secret) >= 40
    assert rules.key_matches(key, secret) and not rules.key_matches(key, secret + "x")
    partner = partner.model_copy(update={"keys": [key]})
    assert partner.key(key_id) == key
    assert partner.model_copy(update={"keys": [key.model_copy(update={"revoked": True})]}).key(key_id) is None


def test_agencies_and_bodies_name_the_organisation_they_are() -> None:
    assert rules.new_partner("tuv", "TÜV", PartnerKind.INSPECTION_BODY, organisation="TÜV Rheinland").organisation
    assert rules.new_partner("clementia", "Clementia", PartnerKind.ONBOARDING_PARTNER).organisation is None
    for kind, wrong in ((PartnerKind.INSPECTION_BODY, "AMDIE"), (PartnerKind.EXPORT_AGENCY, None)):
        with pytest.raises(ValueError, match="must be one of"):
            rules.new_partner("x", "X", kind, organisation=wrong)


@pytest.mark.parametrize("presented", ["", "nodot", ".secret", "id.", 'x.{"$gt":""}', "a b.c", "id.sec ret",
                                       "x" * 300 + ".s"])
def test_malformed_keys_are_not_split(presented: str) -> None:
    assert rules.split_key(presented) is None


T, ID, TYPE = "1764230000", "evt-1", "ma.tijara.partner.endorsement.v1"


def test_signature_binds_secret_timestamp_ce_id_ce_type_and_body() -> None:
    signature = rules.sign("s3cret", T, ID, TYPE, b'{"a":1}')
    assert signature.startswith("v2=") and len(signature) == 3 + 64
    assert rules.verify("s3cret", T, ID, TYPE, b'{"a":1}', signature)
    for changed in (("other", T, ID, TYPE, b'{"a":1}'), ("s3cret", "1764230001", ID, TYPE, b'{"a":1}'),
                    ("s3cret", T, "evt-2", TYPE, b'{"a":1}'),
                    ("s3cret", T, ID, "ma.tijara.partner.inspection-report.v1", b'{"a":1}'),
                    ("s3cret", T, ID, TYPE, b'{"a":2}'), ("s3cret", T, ID, TYPE, b'{"a":1} ')):
        assert not rules.verify(*changed, signature), changed
    assert not rules.verify("s3cret", T, ID, TYPE, b'{"a":1}', signature.upper())
    assert not rules.verify("s3cret", T, ID, TYPE, b'{"a":1}', "v2=é")  # not ASCII: refused, not an error


def test_the_published_test_vector() -> None:
    """key = the secret's UTF-8 bytes; message = timestamp.ce_id.ce_type.body; hex; `v2=` (docs/partners.md)."""
    import hashlib
    import hmac

    body = b'{"endorsement_id":"end-1","supplier_id":"sup-1","occurred_at":"2026-11-27T09:00:00+00:00"}'
    expected = hmac.new(b"s3cret", b"1764230000.evt-1.ma.tijara.partner.endorsement.v1." + body,
                        hashlib.sha256).hexdigest()
    assert rules.sign("s3cret", T, ID, TYPE, body) == "v2=" + expected


def test_timestamps_are_fresh_within_five_minutes_only() -> None:
    now = 1_764_230_000.0
    assert rules.timestamp_fresh("1764230000", now) and rules.timestamp_fresh("1764229701", now)
    assert rules.timestamp_fresh("1764230299", now)
    assert not rules.timestamp_fresh("1764229600", now) and not rules.timestamp_fresh("1764230400", now)
    for junk in ("", "-1", "1.5", "1e9", "abc", "9" * 20):
        assert not rules.timestamp_fresh(junk, now), junk


def test_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = [0.0]
    bucket = rules.TokenBucket(clock=lambda: clock[0])
    assert [bucket.take("amdie", 60) for _ in range(60)] == [0.0] * 60
    wait = bucket.take("amdie", 60)
    assert 0.9 < wait <= 1.0
    assert bucket.take("sgs", 60) == 0.0  # partners are limited separately
    clock[0] += 1.0
    assert bucket.take("amdie", 60) == 0.0 and bucket.take("amdie", 60) > 0


def test_kafka_records_are_signed_with_a_key_derived_from_the_secret() -> None:
    partner = rules.new_partner("amdie", "AMDIE", PartnerKind.EXPORT_AGENCY, organisation="AMDIE")
    key, plaintext = rules.issue_key(partner, datetime.now(UTC))
    secret = plaintext.rpartition(".")[2]
    assert key.kafka_signing_key == rules.kafka_signing_key(secret) and secret not in key.model_dump_json()
    signature = rules.sign_record(rules.kafka_signing_key(secret), "e-1", "/partners/amdie", "t.v1", b"{}")
    assert rules.record_signature_valid(key.kafka_signing_key, "e-1", "/partners/amdie", "t.v1", b"{}", signature)
    for changed in (("e-2", "/partners/amdie", "t.v1", b"{}"), ("e-1", "/partners/asmex", "t.v1", b"{}"),
                    ("e-1", "/partners/amdie", "u.v1", b"{}"), ("e-1", "/partners/amdie", "t.v1", b"{ }")):
        assert not rules.record_signature_valid(key.kafka_signing_key, *changed, signature), changed


def test_webhooks_are_https_with_a_whsec_secret_and_a_stable_id() -> None:
    from standardwebhooks import Webhook

    now = datetime.now(UTC)
    webhook = rules.new_webhook("https://partner.example/tijara", now)
    assert webhook.secret.startswith("whsec_") and Webhook(webhook.secret)  # the library reads our secret
    assert rules.new_webhook("https://partner.example/tijara", now).secret != webhook.secret
    for refused in ("http://partner.example/x", "http://127.0.0.1:8080/x", "https://u:p@partner.example/",
                    "https:///nohost", "javascript:alert(1)", "https://partner.example/" + "x" * 500):
        with pytest.raises(ValueError):
            rules.new_webhook(refused, now)
    assert rules.new_webhook("http://127.0.0.1:8080/x", now, allow_loopback_http=True).url
    with pytest.raises(ValueError):
        rules.new_webhook("http://localhost:8080/x", now, allow_loopback_http=True)
    assert rules.webhook_id("cmd-0123abcd") == "msg_0123abcd"
    assert [rules.webhook_retry_delay(n, 5.0) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]
    assert rules.webhook_retry_delay(30, 5.0) == rules.WEBHOOK_MAX_DELAY_SECONDS


def test_what_a_partner_may_send_next_follows_the_suppliers_status() -> None:
    agency, body = PartnerKind.EXPORT_AGENCY, PartnerKind.INSPECTION_BODY
    assert rules.next_steps(agency, "submitted")[0] == ()
    assert rules.next_steps(agency, "documents-verified")[0] == (PartnerEndorsement.TYPE,)
    assert rules.next_steps(body, "endorsed")[0] == (PartnerInspectionReport.TYPE,)
    assert rules.next_steps(PartnerKind.ONBOARDING_PARTNER, "rejected")[0] == (PartnerSupplierApplication.TYPE,)
    assert rules.next_steps(agency, "unknown") == ((), "status 'unknown'")
    with pytest.raises(ValueError, match="lower-case"):
        rules.new_partner("Amdie:1", "AMDIE", agency, organisation="AMDIE")
