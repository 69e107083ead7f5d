"""The OpenAPI schema lists every error answer an operation can give, each with its body.

Views document the answers particular to them (a 409 of a case, a 429 of the token endpoint) with
their own wording; this hook adds what DRF gives every operation of a kind, and the body of each:
400 where a request body or query parameters are read, 401 wherever a login is needed, 403 where
data is written, 404 where a path names a row (or a page is past the end), all in one shape.
"""

from __future__ import annotations

ERROR = "ErrorDetail"
INVALID = "ValidationErrors"
JSON = "application/json"

SCHEMAS = {
    ERROR: {
        "type": "object",
        "description": "An error the request as a whole caused; `detail` says what, in the user's language.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    INVALID: {
        "type": "object",
        "description": "What was wrong with the request: a list of messages under each field or query "
        "parameter name (`non_field_errors` for the request as a whole; a nested list or object for the "
        "rows of a list field), or `detail` for a body that could not be read at all.",
        "additionalProperties": {},
    },
}

DEFAULT_DESCRIPTIONS = {
    "400": "Invalid data or query parameters; the messages are under the fields' names.",
    "401": "Not logged in, or the token is not valid.",
    "403": "Your role may not do this here; `detail` says why.",
    "404": "No such row in your places (a row outside them answers the same).",
    "409": "Someone changed it first; reload it and try again.",
    "429": "Too many attempts; try again later.",
}
UNSAFE = {"post", "put", "patch", "delete"}


def _needs_login(operation: dict) -> bool:
    security = operation.get("security")
    return bool(security) and any(requirement for requirement in security)


def _codes_for(method: str, operation: dict) -> set[str]:
    parameters = operation.get("parameters", [])
    codes = set()
    if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
        codes.add("400")
    if _needs_login(operation):
        codes.add("401")
        if method in UNSAFE:
            codes.add("403")
    if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
        codes.add("404")
    return codes


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: add the shared error answers and their bodies."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in UNSAFE | {"get", "head"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in _codes_for(method, operation):
                responses.setdefault(code, {"description": DEFAULT_DESCRIPTIONS[code]})
            for code, response in responses.items():
                if code.startswith(("4", "5")) and "content" not in response:
                    name = INVALID if code == "400" else ERROR
                    response["content"] = {JSON: {"schema": {"$ref": f"#/components/schemas/{name}"}}}
                if not response.get("description"):
                    response["description"] = DEFAULT_DESCRIPTIONS.get(code, "")
    return result
