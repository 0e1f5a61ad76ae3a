"""Deterministic identifiers, compatible with elizaOS."""

from __future__ import annotations

import hashlib
import math
import re
from urllib.parse import quote

__all__ = ["derived_id", "is_uuid", "string_to_uuid"]

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# encodeURIComponent leaves these unescaped besides ASCII letters and digits.
_URI_COMPONENT_SAFE = "-_.!~*'()"


def is_uuid(value: object) -> bool:
    """True when ``value`` is a string in canonical 8-4-4-4-12 hex form."""
    return isinstance(value, str) and _UUID_RE.match(value) is not None


def _js_number(value: int | float) -> str:
    """Format a number as JavaScript's ``Number.prototype.toString`` does (common cases)."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:  # JS writes 1e+21 and 1e-7 where Python writes 1e+21 and 1e-07
        mantissa, exp = text.split("e")
        sign = "-" if exp.startswith("-") else "+"
        text = f"{mantissa}e{sign}{exp.lstrip('+-').lstrip('0') or '0'}"
    return text


def string_to_uuid(value: str | int | float) -> str:
    """Return elizaOS's ``stringToUuid(value)``, bit for bit.

    A UUID is returned unchanged; numbers are stringified the JavaScript way; other
    strings are URI-component-encoded, hashed with SHA-1, and the digest is laid out as
    a UUID with the variant bits set and the version nibble 0.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(f"string_to_uuid takes a string or a number, not {type(value).__name__}")
    text = value if isinstance(value, str) else _js_number(value)
    if is_uuid(text):
        return text
    try:
        encoded = quote(text, safe=_URI_COMPONENT_SAFE, encoding="utf-8", errors="strict")
    except UnicodeEncodeError as exc:  # lone surrogates: encodeURIComponent throws too
        raise ValueError(f"cannot encode {text!r} as a URI component: {exc}") from None
    h = bytearray(hashlib.sha1(encoded.encode("ascii")).digest())
    h[6] &= 0x0F
    h[8] = (h[8] & 0x3F) | 0x80
    hx = h.hex()
    return f"{hx[0:8]}-{hx[8:12]}-{hx[12:16]}-{hx[16:20]}-{hx[20:32]}"


def derived_id(*parts: str) -> str:
    """A deterministic UUID for a tuple of ids, e.g. the response to (message id, agent id).

    A redelivered message maps to the same derived ids, which makes writes idempotent.
    """
    return string_to_uuid(":".join(parts))
