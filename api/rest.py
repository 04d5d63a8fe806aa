"""What every API view shares: pagination, the login throttle, strict serializers, the error shape.

Kept apart from ``permissions`` (who may see what): these are about the shape of requests and answers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.throttles import FailsClosed, LoginThrottle  # noqa: F401  (LoginThrottle: api.rest's name kept)

# The largest id the databases store (64-bit): a bigger number in a path or filter is no row, and must
# not reach the database, where it is an overflow error rather than an empty answer.
MAX_ID = 2**63 - 1


def pk_or_404(value: Any) -> int:
    """The id in a path, or 404. ASCII digits only: ``str.isdigit`` also accepts "₇", which int() refuses."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise NotFound()
    return int(text)


class IntFilter(filters.NumberFilter):
    """A whole-number filter within bounds (by default an id's)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, min_value: int = 1, max_value: int = MAX_ID, **kwargs: Any) -> None:
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class Pagination(PageNumberPagination):
    """Pages of 50 by default; ``page_size`` from 1 to 200. A page size out of range is refused rather
    than quietly replaced, so a client never mistakes a shortened page for the end of the list."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size  # type: ignore[return-value]
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return field.run_validation(raw)  # type: ignore[no-any-return]
        except serializers.ValidationError as error:
            raise serializers.ValidationError({self.page_size_query_param: error.detail}) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


class StrictFilterSet(filters.FilterSet):
    """A filter given with no value is refused (400) rather than ignored: ``?school=`` is a client's
    mistake, and answering it with every school's rows would hide that."""

    BOOLEANS = frozenset({"true", "false", "True", "False", "1", "0"})

    def is_valid(self) -> bool:
        valid = bool(super().is_valid())
        for name, declared in self.filters.items():
            values = self.data.getlist(name) if name in self.data else []
            if any(value == "" for value in values):
                self.form.add_error(name, _("This filter needs a value."))
                valid = False
            # django-filter reads anything else as "unknown" and drops the filter without a word.
            elif isinstance(declared, filters.BooleanFilter) and not set(values) <= self.BOOLEANS:
                self.form.add_error(name, _("Must be true or false."))
                valid = False
        return valid


class ScopedThrottle(FailsClosed, ScopedRateThrottle):
    """Per user (or client address when anonymous) and per ``throttle_scope`` of the view."""

    def get_rate(self) -> str | None:
        # DRF's throttles copy the rates once, at import; read them per request, so a changed setting (an
        # override in a test, a reloaded configuration) takes effect.
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return super().get_rate()


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, and a JSON 413 (not Django's HTML 400) for a body past DATA_UPLOAD_MAX_MEMORY_SIZE."""
    if isinstance(exc, RequestDataTooBig):
        too_large = _("The request body is too large.")
        return Response({"detail": too_large}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return drf_exception_handler(exc, context)


class Conflict(APIException):
    """The request is well formed but the row's state refuses it (a booking already cancelled…)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state.")
    default_code = "conflict"


class ErrorSerializer(serializers.Serializer):
    """The body of a refusal that is not about one field: 403, 404, 409, 413, 429."""

    detail = serializers.CharField()


EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
OUT_OF_RANGE = gettext_lazy("Must be in the years 2000 to 2099.")


class MomentField(serializers.DateTimeField):
    """A date and time within this century: anything else is a typo (or a fuzzer), and a year like 0539
    would come back with the zone's historical offset of +07:06:30, which RFC 3339 cannot even write."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        moment: dt.datetime = super().to_internal_value(value)
        if not EARLIEST <= moment < LATEST:
            raise serializers.ValidationError(OUT_OF_RANGE)
        # In UTC from here on: PostgreSQL refuses offsets past ±15:59, which ISO 8601 allows.
        return moment.astimezone(dt.UTC)


class _MomentFormField(IsoDateTimeField):
    def to_python(self, value: Any) -> dt.datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        if not EARLIEST <= moment < LATEST:
            raise forms.ValidationError(OUT_OF_RANGE)
        return moment.astimezone(dt.UTC)  # type: ignore[no-any-return]


class MomentFilter(filters.IsoDateTimeFilter):
    """A date-time filter held to the same years as ``MomentField``."""

    field_class = _MomentFormField


class StrictSerializer(serializers.Serializer):
    """Refuse what a client may not send: an unknown field, or one that is read-only here (owner, school,
    company, status, consent), instead of ignoring it silently — a typo must not look like success."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            errors = {}
            for name in sorted(set(data) - writable):
                errors[name] = [_("This field cannot be set.")] if name in self.fields else [_("Unknown field.")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    """A model serializer that also runs the model's database constraints before saving, so a violation is
    a 400 naming the rule rather than an IntegrityError (a 500) from the database."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model: type[models.Model] = self.Meta.model
        candidate = (
            model(**{f.attname: getattr(self.instance, f.attname) for f in model._meta.concrete_fields})
            if (self.instance is not None)
            else model()
        )
        for name, value in attrs.items():
            setattr(candidate, name, value)
        for name, value in self.context.get("fixed", {}).items():
            setattr(candidate, name, value)
        try:
            candidate.validate_constraints()
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        return attrs


class FirstRendererNegotiation(DefaultContentNegotiation):
    """Exports stream JSON Lines themselves; anything else they answer (a refusal) is JSON, whatever the
    client's Accept header asked for, so an ``Accept: application/x-ndjson`` is never a 406."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        return renderers[0], renderers[0].media_type


def jsonl_response(records: Iterable[Mapping[str, Any]], filename: str) -> StreamingHttpResponse:
    """Stream records one line each, so a province's export never sits whole in memory."""
    lines = (json.dumps(r, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n" for r in records)
    return StreamingHttpResponse(
        lines,
        content_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
