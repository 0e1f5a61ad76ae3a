"""Sealing character secrets in agent data: round trip, wrong key, binding, dropping."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from swarm.errors import ConfigError, SecretsError
from swarm.security import (
    SecretBox,
    generate_secrets_key,
    open_agent_data,
    seal_agent_data,
    secret_keys,
)

DATA = {
    "bio": "b",
    "secrets": {"API_KEY": "sk-abcdef123456"},
    "settings": {"voice": "x", "secrets": {"TOKEN": "tok-987654321"}},
}


def test_sealed_data_holds_no_secret_and_opens_to_the_original() -> None:
    """Sealing hides both secret maps; opening with the same key gives the data back."""
    box = SecretBox(generate_secrets_key())
    sealed, keys = seal_agent_data(DATA, box, agent_id="a1")
    assert keys == ["API_KEY", "TOKEN"]
    assert "sk-abcdef123456" not in repr(sealed)
    assert "tok-987654321" not in repr(sealed)
    assert set(sealed["secrets"]) == {"$fernet"}
    assert sealed["settings"]["voice"] == "x"
    assert open_agent_data(sealed, box, agent_id="a1", what="agent a1") == DATA


def test_without_a_box_secrets_are_removed() -> None:
    """No key: both secret maps are removed and the rest is kept."""
    sealed, keys = seal_agent_data(DATA, None, agent_id="a1")
    assert keys == ["API_KEY", "TOKEN"]
    assert sealed == {"bio": "b", "settings": {"voice": "x"}}


def test_sealing_twice_keeps_the_sealed_value() -> None:
    """Already-sealed secrets are stored as they are, not sealed again."""
    box = SecretBox(generate_secrets_key())
    sealed, _ = seal_agent_data(DATA, box, agent_id="a1")
    again, keys = seal_agent_data(sealed, box, agent_id="a1")
    assert again == sealed
    assert keys == []


def test_opening_with_a_wrong_key_raises_secrets_error() -> None:
    """Another key cannot open the secrets: SecretsError names the agent and the setting."""
    sealed, _ = seal_agent_data(DATA, SecretBox(generate_secrets_key()), agent_id="a1")
    with pytest.raises(SecretsError, match=r"agent 'eliza'.*SWARM_SECRETS_KEY is not the key"):
        open_agent_data(
            sealed, SecretBox(generate_secrets_key()), agent_id="a1", what="agent 'eliza'"
        )


def test_secrets_sealed_for_one_agent_do_not_open_for_another() -> None:
    """A sealed value copied to another agent's row is refused."""
    box = SecretBox(generate_secrets_key())
    sealed, _ = seal_agent_data(DATA, box, agent_id="a1")
    with pytest.raises(SecretsError, match="sealed for another agent"):
        open_agent_data(sealed, box, agent_id="a2", what="agent a2")


def test_an_altered_token_is_refused() -> None:
    """A token changed at rest fails authentication."""
    box = SecretBox(generate_secrets_key())
    sealed, _ = seal_agent_data(DATA, box, agent_id="a1")
    token = sealed["secrets"]["$fernet"]
    sealed["secrets"]["$fernet"] = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    with pytest.raises(SecretsError):
        open_agent_data(sealed, box, agent_id="a1", what="agent a1")


@pytest.mark.parametrize("key", ["", "not-a-key", "short=="])
def test_a_malformed_key_is_a_config_error_saying_how_to_make_one(key: str) -> None:
    """A key that is not a Fernet key raises ConfigError with the generation command."""
    with pytest.raises(ConfigError, match=r"Fernet\.generate_key"):
        SecretBox(key)


def test_the_box_repr_hides_the_key() -> None:
    """repr(SecretBox) does not show the key."""
    key = generate_secrets_key()
    assert key not in repr(SecretBox(SecretStr(key)))


def test_secret_keys_lists_names_of_both_forms() -> None:
    """secret_keys names top-level and settings.secrets keys, without duplicates."""
    data = {"secrets": {"A": "1", "B": "2"}, "settings": {"secrets": {"B": "3", "C": "4"}}}
    assert secret_keys(data) == ["A", "B", "C"]
    assert secret_keys({"settings": {"secrets": "odd"}}) == []
