"""Character secrets at rest: sealed with Fernet under ``SWARM_SECRETS_KEY``, or not kept.

An agent record's ``data`` is its character: ``secrets`` and elizaOS's nested
``settings.secrets`` may hold API keys. :func:`seal_agent_data` replaces each with
``{"$fernet": token}`` (the secrets as JSON, bound to the agent's id, encrypted and
authenticated with Fernet: AES-128-CBC + HMAC-SHA256); without a key it drops them.
:func:`open_agent_data` undoes it. The key is one Fernet key (``Fernet.generate_key()``),
or several separated by commas to rotate: the first seals, any of them opens.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from swarm.errors import ConfigError, SecretsError

__all__ = [
    "SEALED_KEY",
    "SecretBox",
    "generate_secrets_key",
    "open_agent_data",
    "seal_agent_data",
    "secret_keys",
]

logger = logging.getLogger("swarm.security")

SEALED_KEY = "$fernet"
"""The one key of a sealed secrets object: ``{"$fernet": "<token>"}``."""

_KEY_HELP = (
    "SWARM_SECRETS_KEY must be a Fernet key (32 url-safe base64-encoded bytes, or several "
    'separated by commas); generate one with `python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())"`'
)


def generate_secrets_key() -> str:
    """A new random key for ``SWARM_SECRETS_KEY``."""
    return Fernet.generate_key().decode()


class SecretBox:
    """Encrypts and decrypts secrets with the key(s) from ``SWARM_SECRETS_KEY``."""

    def __init__(self, key: SecretStr | str | bytes) -> None:
        raw = key.get_secret_value() if isinstance(key, SecretStr) else key
        text = raw.decode() if isinstance(raw, bytes) else raw
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts:
            raise ConfigError(f"SWARM_SECRETS_KEY is empty; {_KEY_HELP}")
        try:
            self._fernet = MultiFernet([Fernet(p) for p in parts])
        except (ValueError, TypeError):
            raise ConfigError(f"SWARM_SECRETS_KEY is not a valid key; {_KEY_HELP}") from None

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, secrets: object, *, bound_to: str) -> str:
        """``secrets`` (JSON-able) encrypted, bound to ``bound_to`` (the agent id)."""
        plain = msgspec.json.encode({"for": bound_to, "secrets": secrets})
        return self._fernet.encrypt(plain).decode()

    def open(self, token: str, *, bound_to: str, what: str) -> Any:
        """The secrets sealed in ``token`` for ``bound_to``; :class:`SecretsError` if the
        key is wrong, the token altered, or it was sealed for another agent."""
        try:
            plain = self._fernet.decrypt(token.encode())
        except InvalidToken:
            raise SecretsError(
                f"cannot decrypt the secrets of {what}: SWARM_SECRETS_KEY is not the key they "
                "were stored with (or the stored value was altered); set the key used when "
                "the agent was stored (several keys, comma-separated, are all tried), or "
                "register the agent again"
            ) from None
        value = msgspec.json.decode(plain)
        if not isinstance(value, dict) or value.get("for") != bound_to:
            raise SecretsError(
                f"the stored secrets of {what} were sealed for another agent; register the "
                "agent again to store its own"
            )
        return value.get("secrets")


def secret_keys(data: Mapping[str, Any]) -> list[str]:
    """The names of the secrets a character document carries (top level and
    ``settings.secrets``), never their values."""
    names: list[str] = []
    for secrets in _secret_maps(data):
        names += [str(k) for k in secrets if str(k) not in names]
    return names


def _secret_maps(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = []
    top = data.get("secrets")
    if isinstance(top, Mapping) and top and not _is_sealed(top):
        found.append(top)
    settings = data.get("settings")
    nested = settings.get("secrets") if isinstance(settings, Mapping) else None
    if isinstance(nested, Mapping) and nested and not _is_sealed(nested):
        found.append(nested)
    return found


def _is_sealed(value: object) -> bool:
    return (
        isinstance(value, Mapping)
        and set(value) == {SEALED_KEY}
        and isinstance(value[SEALED_KEY], str)
    )


def _replace(data: Mapping[str, Any], top: object, nested: object) -> dict[str, Any]:
    """A copy of ``data`` with ``secrets`` / ``settings.secrets`` set (``None``: removed)."""
    out = dict(data)
    if "secrets" in out:
        if top is None:
            del out["secrets"]
        else:
            out["secrets"] = top
    settings = out.get("settings")
    if isinstance(settings, Mapping) and "secrets" in settings:
        settings = dict(settings)
        if nested is None:
            del settings["secrets"]
        else:
            settings["secrets"] = nested
        out["settings"] = settings
    return out


def seal_agent_data(
    data: Mapping[str, Any], box: SecretBox | None, *, agent_id: str
) -> tuple[dict[str, Any], list[str]]:
    """``data`` ready for the store, and the names of the secrets it carried.

    With ``box``, ``secrets`` and ``settings.secrets`` are replaced by sealed objects;
    without, they are removed. Already-sealed objects are kept as they are.
    """
    names = secret_keys(data)
    settings = data.get("settings")
    nested = settings.get("secrets") if isinstance(settings, Mapping) else None
    top = data.get("secrets")

    def handle(value: object) -> object:
        if value is None or _is_sealed(value) or (isinstance(value, Mapping) and not value):
            return value
        if box is None:
            return None
        return {SEALED_KEY: box.seal(value, bound_to=agent_id)}

    return _replace(data, handle(top), handle(nested)), names


def open_agent_data(
    data: Mapping[str, Any], box: SecretBox | None, *, agent_id: str, what: str
) -> dict[str, Any]:
    """``data`` as stored, with sealed secrets decrypted.

    Without ``box``, sealed secrets are left out (the reader cannot use them; a warning
    says so). A wrong key raises :class:`SecretsError`.
    """
    settings = data.get("settings")
    nested = settings.get("secrets") if isinstance(settings, Mapping) else None
    top = data.get("secrets")
    if not _is_sealed(top) and not _is_sealed(nested):
        return dict(data)
    if box is None:
        logger.warning(
            "%s has encrypted secrets but no SWARM_SECRETS_KEY is set: they are left out; "
            "set the key to use them",
            what,
        )

    def handle(value: object) -> object:
        if not _is_sealed(value):
            return value
        if box is None:
            return None
        assert isinstance(value, Mapping)
        return box.open(value[SEALED_KEY], bound_to=agent_id, what=what)

    return _replace(data, handle(top), handle(nested))
