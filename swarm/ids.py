"""Deterministic identifiers, compatible with elizaOS."""

from __future__ import annotations

import functools
import hashlib
import math
import re
from urllib.parse import quote

__all__ = ["derived_id", "incoming_id", "is_uuid", "response_id", "string_to_uuid"]

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# encodeURIComponent leaves these unescaped besides ASCII letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"
# Text made only of these needs no percent-encoding but for ":" (derived ids are "x:uuid:uuid"),
# which spares the hot path urllib's quote().
_PLAIN_RE = re.compile(r"[A-Za-z0-9\-_.!~*'():]*")
_UUID_LENGTH = 36
# The digest's hex digit 16 with the variant bits set: (nibble & 0x3) | 0x8.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 0x3] for digit in "0123456789abcdef"}
_sha1 = hashlib.sha1


def is_uuid(value: object) -> bool:
    """True when ``value`` is a string in canonical 8-4-4-4-12 hex form."""
    return isinstance(value, str) and _UUID_RE.match(value) is not None


_JS_SAFE_INTEGER = 2**53


def _js_number(value: int | float) -> str:
    """Format a number as JavaScript's ``Number.prototype.toString()`` does.

    JavaScript numbers are doubles, so an int beyond 2**53 is first rounded as JavaScript
    would round it. Both languages pick the shortest digits that round-trip; only the
    layout differs (ECMAScript Number::toString): plain notation for 1e-6 <= |x| < 1e21,
    exponent notation written ``1e+21`` / ``1e-7`` outside it.
    """
    if isinstance(value, int):
        if abs(value) <= _JS_SAFE_INTEGER:
            return str(value)
        try:
            value = float(value)
        except OverflowError:
            return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"  # -0 too
    if value < 0:
        return "-" + _js_number(-value)
    mantissa, _, exp = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    raw = whole + fraction
    leading_zeros = len(raw) - len(raw.lstrip("0"))
    digits = raw.strip("0")
    k = len(digits)
    # value == 0.<digits> * 10**n, in the spec's terms
    n = len(whole) + (int(exp) if exp else 0) - leading_zeros
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{head}e{sign}{abs(e)}"


def string_to_uuid(value: str | int | float) -> str:
    """Return elizaOS's ``stringToUuid(value)``, bit for bit.

    A UUID is returned unchanged; numbers are stringified the JavaScript way; other
    strings are URI-component-encoded, hashed with SHA-1, and the digest is laid out as
    a UUID with the variant bits set and the version nibble 0.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"string_to_uuid takes a string or a number, not {type(value).__name__}")
    text = value if isinstance(value, str) else _js_number(value)
    if len(text) == _UUID_LENGTH and _UUID_RE.match(text) is not None:
        return text
    return _hashed(text)


@functools.lru_cache(maxsize=8192)
def _hashed(text: str) -> str:
    # Remembered: one message's ids are derived several times on its way (the worker's
    # batch look-up, the turn, the pipeline); the cache is bounded and the function pure.
    if _PLAIN_RE.fullmatch(text) is not None:
        encoded = text.replace(":", "%3A")
    else:
        try:
            encoded = quote(text, safe=_URI_COMPONENT_SAFE, encoding="utf-8", errors="strict")
        except UnicodeEncodeError as exc:  # lone surrogates: encodeURIComponent throws too
            raise ValueError(f"cannot encode {text!r} as a URI component: {exc}") from None
    hx = _sha1(encoded.encode("ascii")).hexdigest()
    # Byte 6's high nibble cleared (version 0), byte 8's top bits set to 10 (the variant).
    return f"{hx[:8]}-{hx[8:12]}-0{hx[13:16]}-{_VARIANT_DIGIT[hx[16]]}{hx[17:20]}-{hx[20:32]}"


def derived_id(*parts: str) -> str:
    """A deterministic UUID for a tuple of ids, e.g. the response to (message id, agent id).

    A redelivered message maps to the same derived ids, which makes writes idempotent.
    """
    text = ":".join(parts)
    if len(parts) < 2:
        return string_to_uuid(text)
    # Two parts or more: a string with a ":", never a UUID, so hashed without the checks.
    return _hashed(text)


def incoming_id(message_id: str, agent_id: str) -> str:
    """The id of the memory that stores message ``message_id`` as agent ``agent_id`` received it.

    One message sent to several agents (a broadcast) is stored once per agent.
    """
    return derived_id("in", message_id, agent_id)


def response_id(message_id: str, agent_id: str) -> str:
    """The id of agent ``agent_id``'s response to message ``message_id``.

    A retried or redelivered turn finds its earlier response under this id instead of
    writing a second one.
    """
    return derived_id("re", message_id, agent_id)
