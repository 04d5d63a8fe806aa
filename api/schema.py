"""The OpenAPI schema's error answers, and the view that serves the schema.

drf-spectacular documents what a view returns on success; every operation can also be refused, and
clients (and the contract tests) need those bodies described too."""

from __future__ import annotations

import copy
import re
from typing import Any, ClassVar

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from api.rest import MAX_ID

ERROR = {"$ref": "#/components/schemas/Error"}
INVALID = {"$ref": "#/components/schemas/ValidationErrors"}
REASONS = {
    400: ("The request is not valid; the body names each field at fault.", INVALID),
    401: ("Not signed in, or the token is not valid.", ERROR),
    403: ("The signed-in role may not do this.", ERROR),
    404: ("No such row among those the caller may see.", ERROR),
    413: ("The upload is too large.", ERROR),
    415: ("The body's media type is not accepted.", ERROR),
    429: ("Too many requests: try again later (Retry-After).", ERROR),
}


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """A postprocessing hook: add the refusals each operation can give, keeping any it documents itself."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "Error", {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
    )
    schemas.setdefault(
        "ValidationErrors",
        {
            "type": "object",
            "description": "Field name (or non_field_errors, or detail) → messages.",
            "additionalProperties": {},
        },
    )
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = {400, 429}
            if {} not in operation.get("security", [{}]):  # an operation that needs a signed-in caller
                codes |= {401, 403}
            paged = any(p.get("name") == "page" for p in operation.get("parameters", []))
            if paged or re.search(r"\{\w+\}", path):
                codes.add(404)  # no such row, or a page past the end
            if "requestBody" in operation:
                codes |= {413, 415}
            _strict_query_parameters(operation)
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                description, schema = REASONS[code]
                responses.setdefault(
                    str(code),
                    {"description": description, "content": {"application/json": {"schema": schema}}},
                )
    return result


def _strict_query_parameters(operation: dict[str, Any]) -> None:
    """Say in the schema what the API enforces: a query parameter given with no value is refused
    (``api.rest.StrictFilterSet``), and a number in a filter — an id, a grade, a page — is at least 1."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        schema = parameter.get("schema", {})
        if schema.get("type") == "string" and "enum" not in schema:
            schema.setdefault("minLength", 1)
        elif schema.get("type") == "number" and "format" not in schema:
            # django-filter's number filters are our IntFilters: whole ids from 1 (api.rest.IntFilter).
            schema.update(type="integer", minimum=schema.get("minimum", 1), maximum=MAX_ID)
        elif schema.get("type") == "integer":
            schema.setdefault("minimum", 1)
        elif schema.get("type") == "array":
            items = schema.get("items", {})
            if items.get("type") == "string" and "enum" not in items:
                items.setdefault("minLength", 1)


class SchemaView(SpectacularAPIView):
    """/api/v1/schema/, made once per process for each language (and API version), then served from memory.

    The schema is public (SERVE_PUBLIC): made from the code alone, the same whoever asks. Making it costs
    seconds of CPU, which this anonymous page would otherwise spend on every request. The settings it is
    made from do not change in a running service; a test that changes them gets it made afresh
    (``_forget_made_schemas``)."""

    made: ClassVar[dict[tuple[str, str | None], dict[str, Any]]] = {}

    def _get_schema_response(self, request: Request) -> Response:
        if not self.serve_public:  # a schema of what the caller may use differs by caller
            return super()._get_schema_response(request)  # type: ignore[no-any-return]
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language() or "", version)
        schema = self.made.get(key)
        if schema is None:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            schema = self.made[key] = generator.get_schema(request=request, public=True)
        return Response(
            data=copy.deepcopy(schema),  # whatever a caller does to the answer, the kept one stays as made
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )


@receiver(setting_changed)
def _forget_made_schemas(*, setting: str, **kwargs: Any) -> None:
    if setting in ("REST_FRAMEWORK", "SPECTACULAR_SETTINGS", "ROOT_URLCONF", "LANGUAGES", "USE_I18N"):
        SchemaView.made.clear()
