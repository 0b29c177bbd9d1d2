"""The OpenAPI 3.1 document of /api, generated from the operations table and their pydantic models
(never written by hand: what is served is what is described)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pydantic
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ledgerd.server.http.operations import AFTER_CURSOR, IDEMPOTENCY_KEY, PATH_PARAMETER, PER_PAGE, Operation

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "parameter": {"type": ["string", "null"]},
                "reason": {"type": "string", "description": "ledgerd's ErrorReason (docs/api.md, Errors)"},
            },
        }
    },
}
ERROR_STATUSES = {
    "401": "Missing or wrong credentials",
    "404": "Unknown, or another organization's",
    "409": "The Idempotency-Key was used with another request",
    "422": "Refused: the parameter named is invalid, or the ledger's state forbids it",
}


def openapi_document(operations: Sequence[Operation]) -> dict[str, Any]:
    # Bodies and queries are described as accepted, objects as sent.
    wanted: dict[tuple[type[pydantic.BaseModel], JsonSchemaMode], None] = {}
    for operation in operations:
        wanted.update({(m, "validation"): None for m in (operation.body, operation.query) if m is not None})
        wanted[(operation.response, "serialization")] = None
    refs, components = models_json_schema(list(wanted), ref_template=REF_TEMPLATE)
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault("/api" + operation.path, {})[operation.method.lower()] = _operation(
            operation, refs, components
        )
    component_schemas = components.get("$defs", {})
    component_schemas["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ledgerd: Modern Treasury's Ledgers API",
            "version": "1",
            "description": "Modern Treasury's Ledgers REST API served by ledgerd (docs/api.md, HTTP).",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": component_schemas,
            "securitySchemes": {"basic_auth": {"type": "http", "scheme": "basic"}},
        },
        "security": [{"basic_auth": []}],
        "paths": paths,
    }


def _operation(operation: Operation, refs: dict[Any, Any], components: dict[str, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        for name in PATH_PARAMETER.findall(operation.path)
    ]
    if operation.query is not None:
        parameters.extend(_query_parameters(operation.query, components))
    if operation.method in ("POST", "PUT"):
        parameters.append({"name": IDEMPOTENCY_KEY, "in": "header", "required": False, "schema": {"type": "string"}})
    object_schema = refs[(operation.response, "serialization")]
    content_schema = {"type": "array", "items": object_schema} if operation.listing else object_schema
    success: dict[str, Any] = {
        "description": "OK" if operation.status == 200 else "Created",
        "content": {"application/json": {"schema": content_schema}},
    }
    if operation.listing:
        success["headers"] = {
            AFTER_CURSOR: {
                "schema": {"type": "string"},
                "description": "the next page's after_cursor; absent on the last",
            },
            PER_PAGE: {"schema": {"type": "string"}},
        }
    responses: dict[str, Any] = {str(operation.status): success}
    for status, description in ERROR_STATUSES.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="Error")}}},
        }
    document: dict[str, Any] = {
        "operationId": operation.name,
        "summary": operation.summary,
        "parameters": parameters,
        "responses": responses,
    }
    if operation.body is not None:
        document["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": refs[(operation.body, "validation")]}},
        }
    return document


def _links(created: Operation, operations: Sequence[Operation]) -> dict[str, Any]:
    """From a create to the operations on what it created (`/things` to `/things/{id}...`), the
    created object's id as their `id`: how a client (or a fuzzer) goes on from an answer."""
    if created.method != "POST" or PATH_PARAMETER.search(created.path):
        return {}
    prefix = created.path + "/{id}"
    return {
        operation.name: {"operationId": operation.name, "parameters": {"id": "$response.body#/id"}}
        for operation in operations
        if operation.path == prefix or operation.path.startswith(prefix + "/")
    }


def _query_parameters(model: type[pydantic.BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    """Each field of a query model as a parameter: a map (metadata, balances) as deepObject
    (`metadata[key]=value`), anything else as a plain value."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    parameters = []
    for name, property_schema in schema.get("properties", {}).items():
        resolved = _resolve(property_schema, schema)
        is_object = resolved.get("type") == "object"
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": resolved}
        if is_object:
            parameter.update(style="deepObject", explode=True)
        parameters.append(parameter)
    return parameters


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """A property's schema with its $ref and optional-null wrapper undone (a query parameter is
    absent rather than null)."""
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        if len(options) == 1:
            schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **options[0]}
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = {**root["$defs"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
    schema.pop("default", None)
    return schema
