"""Passwords out of logs: URL redaction, the secret registry and the redacting log filter."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from swarm.security import (
    RedactingFilter,
    SecretRegistry,
    install_log_redaction,
    redact_text,
    redact_url,
)
from swarm.settings import Settings

PASSWORD = "hunter2-Secret"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"redis://:{PASSWORD}@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),
        (f"redis://alice:{PASSWORD}@h:6380/2", "redis://alice:***@h:6380/2"),
        (f"rediss://alice:{PASSWORD}@h:6380", "rediss://alice:***@h:6380"),
        (
            f"postgresql+psycopg://pg:{PASSWORD}@db:5432/app?sslmode=require",
            "postgresql+psycopg://pg:***@db:5432/app?sslmode=require",
        ),
        (
            f"postgresql://db/app?password={PASSWORD}&sslmode=verify-full",
            "postgresql://db/app?password=***&sslmode=verify-full",
        ),
        ("redis://alice@h:6379/0", "redis://alice@h:6379/0"),
        ("sqlite+aiosqlite:///var/lib/swarm.db", "sqlite+aiosqlite:///var/lib/swarm.db"),
    ],
)
def test_redact_url_masks_only_the_password(url: str, expected: str) -> None:
    """Every URL form keeps user, host, port, path and options, and loses the password."""
    assert redact_url(url) == expected


def test_redact_url_handles_a_password_with_an_at_sign() -> None:
    """A password holding '@' (not percent-encoded) is masked whole."""
    assert redact_url("redis://u:p@ss@host:1/0") == "redis://u:***@host:1/0"


def test_redact_text_masks_urls_inside_free_text() -> None:
    """URL passwords and password= values inside a sentence are masked."""
    text = f"connect to rediss://u:{PASSWORD}@h:1/0 failed; dsn host=x password={PASSWORD} x"
    out = redact_text(text)
    assert PASSWORD not in out
    assert "rediss://u:***@h:1/0" in out


def test_registry_masks_registered_values_longest_first() -> None:
    """A registered secret is masked wherever it appears; short values are not registered."""
    registry = SecretRegistry()
    registry.register("abcd1234", "abcd1234-long", "no", None, 42)
    assert len(registry) == 2
    assert registry.scrub("x abcd1234-long y abcd1234 no") == "x *** y *** no"


@pytest.fixture
def filtered(caplog: pytest.LogCaptureFixture) -> Iterator[SecretRegistry]:
    registry = SecretRegistry()
    redacting = RedactingFilter(registry)
    caplog.handler.addFilter(redacting)
    caplog.set_level(logging.DEBUG)
    yield registry
    caplog.handler.removeFilter(redacting)


def test_filter_masks_secrets_in_arguments_and_urls(
    filtered: SecretRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    """A record's arguments are rendered and scrubbed: registered values and URL passwords."""
    filtered.register("sk-model-key-0001")
    logging.getLogger("swarm.test").info(
        "key %s url %s", "sk-model-key-0001", f"redis://u:{PASSWORD}@h:1/0"
    )
    assert "sk-model-key-0001" not in caplog.text
    assert PASSWORD not in caplog.text
    assert "key *** url redis://u:***@h:1/0" in caplog.text


def test_filter_masks_secrets_in_exception_text(
    filtered: SecretRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    """logger.exception output (the traceback and the error message) is scrubbed too."""
    filtered.register(PASSWORD)
    try:
        raise ValueError(f"bad password {PASSWORD}")
    except ValueError:
        logging.getLogger("swarm.test").exception("failed")
    assert "ValueError: bad password ***" in caplog.text
    assert PASSWORD not in caplog.text


def test_install_adds_one_filter_per_root_handler() -> None:
    """install_log_redaction is idempotent: each root handler gets one redacting filter."""
    handler = logging.StreamHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        registry = SecretRegistry()
        install_log_redaction(registry, secrets=["first-secret"])
        install_log_redaction(registry, secrets=["second-secret"])
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        assert "second-secret" in registry
    finally:
        root.removeHandler(handler)


def test_settings_repr_shows_no_password() -> None:
    """repr() and str() of Settings mask URL passwords and every secret setting."""
    settings = Settings(
        redis_url=f"rediss://bob:{PASSWORD}@h:6380/0",
        database_url=f"postgresql+psycopg://pg:{PASSWORD}@db/app",
        api_key="gateway-key-123",
        model_api_key="model-key-123",
        secrets_key="secrets-key-123",
        redis_password="redis-pass-123",
        database_password="db-pass-123",
    )
    for text in (repr(settings), str(settings)):
        assert PASSWORD not in text
        for secret in ("gateway-key", "model-key", "secrets-key", "redis-pass", "db-pass"):
            assert secret not in text
        assert "rediss://bob:***@h:6380/0" in text
