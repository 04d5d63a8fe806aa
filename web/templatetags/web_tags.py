"""Display helpers: translated names for the stored codes (kind, level, province, topics)."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

from web import forms

register = template.Library()


@register.filter
def kind_label(code: str) -> Any:
    return dict(forms.kind_choices()).get(code, code)


@register.filter
def level_label(code: str) -> Any:
    return dict(forms.level_choices()).get(code, code)


@register.filter
def province_label(code: str) -> str:
    return forms.province_name(code)


@register.filter
def topic_labels(ids: list[str]) -> list[str]:
    return forms.topic_names(ids or [])


@register.simple_tag(takes_context=True)
def page_query(context: Any, page: int) -> str:
    """The current query string with ``page`` replaced: pagination keeps the filters."""
    query: QueryDict = context["request"].GET.copy()
    query["page"] = str(page)
    return "?" + query.urlencode()
