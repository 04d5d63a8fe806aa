"""The language of a response when the request does not say: the signed-in user's saved language.

``LocaleMiddleware`` already chose from the language cookie (the site's language switch) or the
browser's Accept-Language header, falling back to ``LANGUAGE_CODE`` (Vietnamese). When the request
carries neither, a signed-in user who saved a language gets it instead of the default: a student the
first of their ``languages`` (the one their mail uses too). Placed after ``AuthenticationMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


def saved_language(request: HttpRequest) -> str | None:
    """The signed-in user's saved language, if any."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if user.language:
        return str(user.language)
    if user.student_id is not None and user.student is not None and user.student.languages:
        return user.student.language
    return None


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chose_itself = settings.LANGUAGE_COOKIE_NAME in request.COOKIES or "HTTP_ACCEPT_LANGUAGE" in request.META
        if not chose_itself:
            language = saved_language(request)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
