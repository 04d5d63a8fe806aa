"""Pages answering mail links (unsubscribe, preferences) and SendGrid's Event Webhook. No login: a signed
token stands for the address, a signature for SendGrid."""

from __future__ import annotations

import binascii
import json

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from sendgrid.helpers.eventwebhook import EventWebhook
from sendgrid.helpers.eventwebhook.eventwebhook_header import EventWebhookHeader

from notifications.models import Suppression
from notifications.suppressions import (
    address_preferences,
    address_preferences_update,
    address_unsubscribe,
    webhook_events_record,
)
from notifications.tokens import AddressToken, address_token_read


def _address(token: str) -> AddressToken | None:
    try:
        return address_token_read(token)
    except signing.BadSignature:
        return None


def _bad_link(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/bad_link.html", {"lang": request.GET.get("lang", "vi")}, status=404)


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookies, so no CSRF token can
# exist; the signed token is the protection, and unsubscribing is harmless to repeat.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    address = _address(token)
    if address is None:
        return _bad_link(request)
    context = {"lang": address.language, "email": address.email, "token": token}
    if request.method == "POST":
        address_unsubscribe(email=address.email, source=Suppression.Source.ONE_CLICK)
        return render(request, "notifications/unsubscribed.html", context)
    return render(request, "notifications/unsubscribe.html", context)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    address = _address(token)
    if address is None:
        return _bad_link(request)
    if request.method == "POST":
        language = request.POST.get("language", address.language)
        prefs = address_preferences_update(
            email=address.email, digests=request.POST.get("digests") == "on", language=language
        )
        saved = True
    else:
        prefs, saved = address_preferences(email=address.email, language=address.language), False
    lang = prefs.language if saved else address.language
    return render(request, "notifications/preferences.html", {"lang": lang, "prefs": prefs, "saved": saved})


def _signed_by_sendgrid(request: HttpRequest, payload: str) -> bool:
    public_key = settings.SENDGRID_WEBHOOK_PUBLIC_KEY
    signature = request.headers.get(EventWebhookHeader.SIGNATURE, "")
    timestamp = request.headers.get(EventWebhookHeader.TIMESTAMP, "")
    if not (public_key and signature and timestamp):
        return False
    try:
        return bool(EventWebhook(public_key).verify_signature(payload, signature, timestamp))
    except (ValueError, TypeError, binascii.Error):  # a malformed key or signature is not a signature
        return False


@csrf_exempt
@require_POST
def sendgrid_events(request: HttpRequest) -> HttpResponse:
    """SendGrid's signed Event Webhook. Refuses everything when no verification key is configured."""
    try:
        payload = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return JsonResponse({"error": "body is not UTF-8"}, status=400)
    if not _signed_by_sendgrid(request, payload):
        return JsonResponse({"error": "bad or missing signature"}, status=403)
    try:
        events = json.loads(payload)
    except ValueError:
        return JsonResponse({"error": "body is not JSON"}, status=400)
    if not isinstance(events, list):
        return JsonResponse({"error": "expected a JSON array of events"}, status=400)
    return JsonResponse(webhook_events_record(events=events).as_dict())
