"""Who may see a role's pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import User

Role = User.Role
View = Callable[..., HttpResponse]


def role_required(role: str) -> Callable[[View], View]:
    """Signed in (else to the login page) and of ``role`` (else a 404: another role's pages do not exist)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not isinstance(user, User) or user.role != role:
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
