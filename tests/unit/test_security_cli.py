"""The CLI's redaction: the log filter installed by main(), secrets registered at load,
`swarm validate` warnings about inline secrets, and Character's repr."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner

from swarm.characters import Character, load_character
from swarm.cli import app
from swarm.cli.app import main
from swarm.security import SECRETS, RedactingFilter, generate_secrets_key


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


@pytest.fixture
def no_filters_left() -> Iterator[None]:
    """Remove the redacting filters main() adds to the root handlers."""
    yield
    for handler in logging.getLogger().handlers:
        for f in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(f)


def character_file(tmp_path: Path, secret: str, nested: str) -> Path:
    path = tmp_path / "eliza.json"
    path.write_text(
        json.dumps(
            {
                "name": "Eliza",
                "bio": "helps",
                "secrets": {"OPENAI_API_KEY": secret},
                "settings": {"secrets": {"DISCORD_TOKEN": nested}},
            }
        )
    )
    return path


def test_validate_warns_about_inline_secrets_by_name_and_exits_zero(tmp_path: Path) -> None:
    """Both secret maps get a warning naming the keys; values are not printed; exit code 0."""
    secret, nested = unique("sk"), unique("tok")
    result = CliRunner().invoke(app, ["validate", str(character_file(tmp_path, secret, nested))])
    assert result.exit_code == 0, result.output
    assert "warning: secrets: carries secrets inline (OPENAI_API_KEY)" in result.output
    assert "warning: settings.secrets: carries secrets inline (DISCORD_TOKEN)" in result.output
    assert secret not in result.output
    assert nested not in result.output


def test_character_repr_hides_secret_values() -> None:
    """repr() of a character (and so of an agent) names its secrets but masks the values."""
    secret, nested = unique("sk"), unique("tok")
    character = Character(
        name="A", bio="b", secrets={"KEY": secret}, settings={"secrets": {"T": nested}, "x": 1}
    )
    text = repr(character) + str(character)
    assert secret not in text
    assert nested not in text
    assert "'KEY': '***'" in text
    assert character.secrets["KEY"] == secret  # the value itself is intact


@pytest.mark.anyio
async def test_loading_a_character_registers_its_secret_values(tmp_path: Path) -> None:
    """load_character adds both secret maps' values to the log filter's registry."""
    secret, nested = unique("sk"), unique("tok")
    await load_character(character_file(tmp_path, secret, nested))
    assert secret in SECRETS
    assert nested in SECRETS


def test_main_installs_a_filter_that_scrubs_settings_and_character_secrets(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    no_filters_left: None,
) -> None:
    """After main() starts, no log record shows an API key, the secrets key, a URL password
    or a loaded character's secret, in messages or in tracebacks."""
    api_key, model_key, password = unique("gw"), unique("model"), unique("pw")
    secrets_key = generate_secrets_key()
    secret, nested = unique("sk"), unique("tok")
    monkeypatch.setenv("SWARM_API_KEY", api_key)
    monkeypatch.setenv("SWARM_MODEL_API_KEY", model_key)
    monkeypatch.setenv("SWARM_SECRETS_KEY", secrets_key)
    monkeypatch.setenv("SWARM_REDIS_URL", f"redis://app:{password}@127.0.0.1:6379/0")
    path = character_file(tmp_path, secret, nested)
    monkeypatch.setattr(sys, "argv", ["swarm", "validate", str(path)])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    anyio.run(load_character, path)
    caplog.set_level(logging.INFO)
    log = logging.getLogger("swarm.test")
    everything = [api_key, model_key, secrets_key, secret, nested]
    log.warning("values %s via rediss://u:%s@h:6380/0", everything, password)
    try:
        raise ConnectionError(f"auth failed for {api_key} at redis://app:{password}@h/0")
    except ConnectionError:
        log.exception("connect failed")
    assert "values" in caplog.text
    assert "ConnectionError: auth failed for ***" in caplog.text
    for value in [*everything, password]:
        assert value not in caplog.text
