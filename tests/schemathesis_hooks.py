"""Schemathesis hooks for scripts/test-api-schemathesis, named by tests/schemathesis.toml:
what the API documents in prose, told to Schemathesis, and a client's fresh checkout keys.
"""

import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
TRANSPORT_LIMITS = {
    "414": {"description": "the request target is longer than 8 KiB", "content": PROBLEM},
    "431": {"description": "more than 100 header fields, or more than 16 KiB of them", "content": PROBLEM},
}


@schemathesis.hook
def before_load_schema(context, raw_schema):
    """The description of api/openapi.yaml documents limits the local shop applies to
    every request before any operation sees it: a request target over 8 KiB is answered
    414, more than 100 header fields or 16 KiB of them 431 (API Gateway sets its own in
    AWS). No operation lists these statuses, so Schemathesis would call them undocumented
    whenever it draws a query string that long (a cursor of 1,024 four-byte characters is
    one). They are added to every operation of the schema as loaded; the file is left
    alone, and every other status an operation answers must be in its responses."""
    for path_item in raw_schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in METHODS:
                responses = operation.setdefault("responses", {})
                for status, response in TRANSPORT_LIMITS.items():
                    responses.setdefault(status, response)


@schemathesis.hook
def map_case(context, case):
    """Requests as a client sends them, where drawn values would stop the shop before the
    code under test:

    - a fresh Idempotency-Key for every checkout of the examples, coverage and fuzzing
      phases: the shop answers a key it has seen with another body 422 without looking
      further, and drawn keys repeat (a key drawn to break the header's schema is kept);
      stateful scenarios take theirs from the cart, by the link;
    - no cursor in stateful scenarios: only one the listing handed out is read, so a
      drawn one is a 400 that ends the chain (the other phases still send them)."""
    meta = case.meta
    if meta is None:
        return case
    stateful = meta.phase.name == "stateful"
    headers = case.headers
    if not stateful and headers and "Idempotency-Key" in headers and not meta.is_negative_at(ParameterLocation.HEADER):
        headers["Idempotency-Key"] = f"schemathesis-{uuid.uuid4()}"
    if stateful and case.query and "cursor" in case.query:
        del case.query["cursor"]
    return case
