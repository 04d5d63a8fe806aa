"""SendGrid's Event Webhook: signed with ECDSA, repeated at will by SendGrid, suppressing bad addresses."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from notifications.models import OutboxMessage, Suppression, WebhookEvent

from .conftest import enqueue

pytestmark = pytest.mark.django_db

URL = "/mail/events/sendgrid/"
TIMESTAMP = "1917000000"


@pytest.fixture
def signing_key(settings: Any) -> ec.EllipticCurvePrivateKey:
    """A P-256 key pair made for the test; the public half is configured as SendGrid's verification key."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = base64.b64encode(public).decode()
    return key


def post(client: Client, key: ec.EllipticCurvePrivateKey, events: list[dict[str, Any]], **tamper: str) -> Any:
    """POST like SendGrid: base64 DER ECDSA-SHA256 signature over timestamp + raw body."""
    payload = json.dumps(events)
    signature = base64.b64encode(key.sign((TIMESTAMP + payload).encode(), ec.ECDSA(hashes.SHA256()))).decode()
    return client.post(
        URL,
        data=tamper.get("payload", payload),
        content_type="application/json",
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": tamper.get("signature", signature),
            "X-Twilio-Email-Event-Webhook-Timestamp": tamper.get("timestamp", TIMESTAMP),
        },
    )


def event(kind: str, email: str, n: int, **extra: Any) -> dict[str, Any]:
    return {
        "email": email,
        "event": kind,
        "sg_event_id": f"evt-{n}",
        "sg_message_id": f"msg{n}.filter",
        "timestamp": 1917000000,
        **extra,
    }


EVENTS = [
    event("bounce", "Gone@Mail.example.vn", 1, type="bounce"),
    event("spamreport", "angry@mail.example.vn", 2),
    event("unsubscribe", "bye@mail.example.vn", 3),
    event("group_unsubscribe", "group@mail.example.vn", 4, asm_group_id=1),
    event("dropped", "bad@mail.example.vn", 5, reason="Bounced Address"),
    event("bounce", "full@mail.example.vn", 6, type="blocked"),  # temporary: no suppression
    event("delivered", "fine@mail.example.vn", 7),
    event("dropped", "dup@mail.example.vn", 8, reason="Duplicate"),
]


def test_signed_events_suppress_bounced_spam_reporting_and_unsubscribed_addresses(
    world: Any, client: Client, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    response = post(client, signing_key, EVENTS)

    assert response.status_code == 200
    assert response.json() == {"received": 8, "duplicates": 0, "ignored": 0, "suppressed": 5, "resolved": 0}
    assert set(Suppression.objects.values_list("email", "reason")) == {
        ("gone@mail.example.vn", "bounce"),
        ("angry@mail.example.vn", "spamreport"),
        ("bye@mail.example.vn", "unsubscribe"),
        ("group@mail.example.vn", "group_unsubscribe"),
        ("bad@mail.example.vn", "dropped"),
    }
    assert WebhookEvent.objects.count() == 8


def test_a_replay_of_the_same_events_has_no_further_effect(
    world: Any, client: Client, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    post(client, signing_key, EVENTS)
    Suppression.objects.filter(email="gone@mail.example.vn").delete()  # an admin lifted it meanwhile

    replay = post(client, signing_key, EVENTS)

    assert replay.status_code == 200
    assert replay.json()["duplicates"] == 8 and replay.json()["suppressed"] == 0
    assert not Suppression.objects.filter(email="gone@mail.example.vn").exists()
    assert WebhookEvent.objects.count() == 8


def test_a_bad_signature_is_refused_and_changes_nothing(
    world: Any, client: Client, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    forged = post(client, other, EVENTS)
    tampered = post(client, signing_key, EVENTS, payload=json.dumps(EVENTS[:1]))
    old_time = post(client, signing_key, EVENTS, timestamp="1917000001")
    garbage = post(client, signing_key, EVENTS, signature="not base64 at all!")
    unsigned = client.post(URL, data=json.dumps(EVENTS), content_type="application/json")

    assert [r.status_code for r in (forged, tampered, old_time, garbage, unsigned)] == [403] * 5
    assert not Suppression.objects.exists() and not WebhookEvent.objects.exists()


def test_without_a_verification_key_every_post_is_refused(
    world: Any, client: Client, signing_key: ec.EllipticCurvePrivateKey, settings: Any
) -> None:
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = ""

    assert post(client, signing_key, EVENTS).status_code == 403


def test_an_event_about_a_message_left_unknown_marks_it_sent(
    world: Any, client: Client, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    message = enqueue(
        "booking-proposed:1", category="booking_proposed", to=world.adult.email, student=world.adult
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status="unknown", attempts=1)

    response = post(
        client, signing_key, [event("processed", world.adult.email, 9, outbox_id=str(message.pk))]
    )

    assert response.json()["resolved"] == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_message_id == "msg9"
    assert message.sent_at is not None


def test_a_body_that_is_not_a_list_of_events_is_rejected(
    world: Any, client: Client, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    response = post(client, signing_key, [], payload="{}")
    # The signature covers the original body, so a different one fails the check first.
    assert response.status_code == 403
    key = signing_key
    payload = "{}"
    signature = base64.b64encode(key.sign((TIMESTAMP + payload).encode(), ec.ECDSA(hashes.SHA256()))).decode()
    response = client.post(
        URL,
        data=payload,
        content_type="application/json",
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": signature,
            "X-Twilio-Email-Event-Webhook-Timestamp": TIMESTAMP,
        },
    )
    assert response.status_code == 400
