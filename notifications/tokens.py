"""Signed tokens in mail links: unsubscribe and preferences. No login, no expiry (an unsubscribe link must
work years later), bound to one address; the secret key is what makes them unforgeable."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

_SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class AddressToken:
    email: str
    language: str


def address_token(*, email: str, language: str) -> str:
    return signing.dumps({"e": email.strip().lower(), "l": language}, salt=_SALT, compress=True)


def address_token_read(token: str) -> AddressToken:
    """The address a token stands for; ``signing.BadSignature`` when it was not made by us."""
    data = signing.loads(token, salt=_SALT)
    language = data.get("l") if data.get("l") in ("vi", "en") else "vi"
    return AddressToken(email=str(data["e"]), language=language)
