"""Keeping passwords out of logs: URL redaction, a registry of known secrets, a log filter.

``redact_url`` hides the password of any URL (``redis://``, ``rediss://``,
``postgresql+psycopg://``, ``https://``...) and secret-looking query values.
:class:`SecretRegistry` remembers the secret values a process knows (API keys, the
secrets key, character secrets); :class:`RedactingFilter` replaces them, and every URL
password, in each log record it sees. The CLI installs the filter once, at its entry point,
with :func:`install_log_redaction`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = [
    "MASK",
    "MIN_SECRET_LENGTH",
    "SECRETS",
    "RedactingFilter",
    "SecretRegistry",
    "install_log_redaction",
    "redact_text",
    "redact_url",
]

MASK = "***"
MIN_SECRET_LENGTH = 4
"""Shorter values are not registered: masking every ``1`` or ``yes`` in the logs hides
more than it protects."""

# Query keys whose values are secrets (libpq's password=, redis-py's ?password=, tokens).
_SECRET_QUERY_RE = re.compile(r"pass|secret|token|key|auth", re.IGNORECASE)
# scheme://user:password@ anywhere in free text; the password stops at the last '@'
# before the host (passwords may themselves hold '@' when not percent-encoded).
_URL_PASSWORD_RE = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)(?P<password>[^\s/]*)(?P<at>@)"
)
_QUERY_SECRET_RE = re.compile(
    r"(?P<head>[?&;\s](?:password|passwd|sslpassword|secret|token|api_key|apikey)=)"
    r"(?P<value>[^&\s'\"]+)",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """``url`` with its password (and secret-looking query values) replaced by ``***``.

    The user name, host, port, path and other query values stay, so the URL still says
    where it points. Text that is not a URL is returned with any embedded URL password
    masked.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if not parts.scheme or "@" not in parts.netloc:
        netloc = parts.netloc
    else:
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if has_password else parts.netloc
    query = parts.query
    if query:
        query = urlencode(
            [
                (k, MASK if _SECRET_QUERY_RE.search(k) else v)
                for k, v in parse_qsl(query, keep_blank_values=True)
            ],
            safe="*/",
        )
    if netloc == parts.netloc and query == parts.query:
        return url
    # By hand, not urlunsplit: that drops the '//' of an empty host (sqlite:///path).
    text = f"{parts.scheme}:" if parts.scheme else ""
    if netloc or url.startswith(f"{text}//"):
        text += f"//{netloc}"
    text += parts.path + (f"?{query}" if query else "")
    return text + (f"#{parts.fragment}" if parts.fragment else "")


def redact_text(text: str) -> str:
    """``text`` with every ``scheme://user:password@`` and ``password=...`` value masked."""
    text = _URL_PASSWORD_RE.sub(lambda m: f"{m['head']}{MASK}{m['at']}", text)
    return _QUERY_SECRET_RE.sub(lambda m: f"{m['head']}{MASK}", text)


class SecretRegistry:
    """The secret values this process knows, to be masked wherever they appear."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: frozenset[str] = frozenset()
        self._ordered: tuple[str, ...] = ()

    def register(self, *values: object) -> None:
        """Remember ``values`` (strings of at least :data:`MIN_SECRET_LENGTH` characters;
        ``None``, pydantic ``SecretStr`` and other types are handled: SecretStr is unwrapped,
        the rest ignored)."""
        found = set()
        for value in values:
            secret = getattr(value, "get_secret_value", None)
            text = secret() if callable(secret) else value
            if isinstance(text, str) and len(text) >= MIN_SECRET_LENGTH:
                found.add(text)
        if not found:
            return
        with self._lock:
            self._values = self._values | found
            # Longest first, so a secret that contains another is masked whole.
            self._ordered = tuple(sorted(self._values, key=len, reverse=True))

    def clear(self) -> None:
        """Forget every registered value (tests)."""
        with self._lock:
            self._values, self._ordered = frozenset(), ()

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"SecretRegistry({len(self._values)} value(s))"

    def scrub(self, text: str) -> str:
        """``text`` with every registered value and every URL password masked."""
        for value in self._ordered:
            if value in text:
                text = text.replace(value, MASK)
        return redact_text(text)


SECRETS = SecretRegistry()
"""The process-wide registry the CLI's log filter reads; the character loader adds each
loaded character's secret values to it."""


class RedactingFilter(logging.Filter):
    """Masks known secrets and URL passwords in a log record before any handler formats it.

    The message is rendered (``msg % args``) and scrubbed, and so are the exception and
    stack texts; the record is changed in place, so every handler sees the scrubbed one.
    """

    def __init__(self, registry: SecretRegistry = SECRETS) -> None:
        super().__init__()
        self.registry = registry

    def filter(self, record: logging.LogRecord) -> bool:
        scrub = self.registry.scrub
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as usual
            return True
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            # Formatters render exc_text when set; exc_info is dropped so that no other
            # formatter re-renders the unscrubbed exception.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def install_log_redaction(
    registry: SecretRegistry = SECRETS, *, secrets: Iterable[object] = ()
) -> RedactingFilter:
    """Register ``secrets`` and add one :class:`RedactingFilter` to every root handler.

    Idempotent: a handler that has a redacting filter already is left alone. Call it at
    the entry point after logging is configured.
    """
    registry.register(*secrets)
    redacting = RedactingFilter(registry)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    return redacting
