"""Schemathesis hooks for the contract fuzz test (crates/kycd/tests/contract_fuzz.rs).

One hook, because one server rule cannot be written in OpenAPI: an Idempotency-Key names one
request, and the same key with a different request is refused with 422
`idempotency_key_reused` (README, "Every POST/PATCH accepts Idempotency-Key"). A generator
draws the same short keys ("0", "00", ...) for unrelated requests over and over, so without this
hook every operation would "reject a schema-valid request". The hook prefixes each valid key of
a positive case with a run id and a sequence number, so that no two requests share one, in
this run or an earlier one against the same database.

Negative cases are sent as drawn: a 422 for a reused key is a fine answer to them, and editing
one makes schemathesis revalidate it as positive, which puts back the `Authorization` header a
"missing Authorization" case must not carry (it then reports the server's 422 or 400 as
"missing required header accepted"). Keys the server must refuse (empty, too long, not
printable ASCII) are never touched either.

The same hook also mends one combination schemathesis itself makes up: when it infers stateful
links it merges every `oneOf` branch of a body (4.32.5, `stateful/dependencies/inputs.py`,
`_flatten_composition`), so it puts an `associate_guid` into a document upload whose `type` is
not about a person (the spec's `oneOf` allows it only for identity documents and liveness
reports), then reports the server's 422 as a schema-valid request rejected. For positive cases
such an `associate_guid` is dropped, which makes the case what the spec says it is. Its link
inference also copies members of other bodies into a body whose members are all optional
(`approve`); for positive cases those are dropped too.

A second rule OpenAPI cannot state: each (type, issuing country) of `identification_numbers`
at most once, where Cybrid's type names are ours under another spelling and a country is read
trimmed and in capitals (`uniqueItems` compares raw items). For positive cases the later
duplicates are dropped, which makes the case one the spec means to allow. A third: a period's
end not before its start (an associate's `represents_from`/`represents_until`, a Connect
relation's `startDate`/`endDate`); for positive cases a reversed pair is put in order.
"""

import itertools
import uuid

import schemathesis

# The headers that carry an idempotency key (kyc_http::extract::IDEMPOTENCY_KEY_HEADERS).
IDEMPOTENCY_HEADERS = {"idempotency-key", "x-l2f-idempotency-id"}

# Longest key the server accepts (kyc_http::extract::MAX_IDEMPOTENCY_KEY_LEN).
MAX_KEY_LEN = 255

# Document kinds whose upload may name an associate (kyc_domain DocumentKind: identity
# documents and the liveness report).
ABOUT_A_PERSON = {"passport", "drivers_license", "national_id", "liveness_report"}

_sequence = itertools.count(1)
# Only in the key: the generated cases do not depend on it.
_run = uuid.uuid4().hex[:12]


def _valid_key(value):
    return (
        isinstance(value, str)
        and 1 <= len(value) <= MAX_KEY_LEN
        and all(0x20 <= ord(c) <= 0x7E for c in value)
    )


# Bodies whose members are all optional, by path suffix, with the members the spec declares.
# Schemathesis's inferred stateful links put members of other bodies into them (seen: `approve`
# sent `identity_document`, `tax_identification_number`), although the spec's
# `additionalProperties: false` forbids them; the server's 400 is then reported as a
# schema-valid request rejected.
DECLARED_MEMBERS = {"/approve": {"note"}}


def _drop_undeclared_members(case):
    body = case.body
    if not isinstance(body, dict):
        return
    for suffix, members in DECLARED_MEMBERS.items():
        if case.path.endswith(suffix):
            for name in [name for name in body if name not in members]:
                del body[name]


def _drop_misplaced_associate(case):
    body = case.body
    if (
        isinstance(body, dict)
        and case.path.endswith("/documents")
        and "associate_guid" in body
        and body.get("type") not in ABOUT_A_PERSON
    ):
        del body["associate_guid"]


# Cybrid's identification type names and ours (kyc_app::dto::CYBRID_IDENTIFICATION_TYPES).
CYBRID_IDENTIFICATION_TYPES = {
    "passport": "passport_number",
    "drivers_license": "drivers_license_number",
    "national_identification_number": "national_id",
}


def _drop_duplicate_identification_numbers(body):
    """Keeps the first of each (type, issuing country) in every `identification_numbers`."""
    if isinstance(body, list):
        for item in body:
            _drop_duplicate_identification_numbers(item)
        return
    if not isinstance(body, dict):
        return
    numbers = body.get("identification_numbers")
    if isinstance(numbers, list):
        seen = set()
        kept = []
        for number in numbers:
            if isinstance(number, dict):
                kind = number.get("type")
                kind = CYBRID_IDENTIFICATION_TYPES.get(kind, kind)
                country = number.get("issuing_country_code")
                key = (kind, country.strip().upper() if isinstance(country, str) else country)
                if key in seen:
                    continue
                seen.add(key)
            kept.append(number)
        body["identification_numbers"] = kept
    for value in body.values():
        if isinstance(value, (dict, list)):
            _drop_duplicate_identification_numbers(value)


# The members that bound a period, start first.
PERIODS = (("represents_from", "represents_until"), ("startDate", "endDate"))


def _order_periods(body):
    """Swaps every period whose end lies before its start (dates compare as trimmed text)."""
    if isinstance(body, list):
        for item in body:
            _order_periods(item)
        return
    if not isinstance(body, dict):
        return
    for start, end in PERIODS:
        first, last = body.get(start), body.get(end)
        if isinstance(first, str) and isinstance(last, str) and last.strip() < first.strip():
            body[start], body[end] = last, first
    for value in body.values():
        if isinstance(value, (dict, list)):
            _order_periods(value)


@schemathesis.hook
def before_call(context, case, **kwargs):
    """Gives every valid Idempotency-Key of a positive case a unique prefix, keeping it valid,
    drops an `associate_guid` schemathesis put into a document that is about no one, and
    drops repeated identification numbers, and puts reversed periods in order."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    _drop_misplaced_associate(case)
    _drop_undeclared_members(case)
    _drop_duplicate_identification_numbers(case.body)
    _order_periods(case.body)
    headers = case.headers
    if not headers:
        return
    for name in list(headers):
        if name.lower() in IDEMPOTENCY_HEADERS and _valid_key(headers[name]):
            headers[name] = f"{_run}.{next(_sequence)}.{headers[name]}"[:MAX_KEY_LEN]
