"""Which handler answers a model call: highest priority first, earliest registration on ties."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from swarm.errors import DuplicateRegistrationError, NoModelHandlerError
from swarm.models.types import ModelHandler, ModelType

__all__ = ["ModelHandlers", "ModelRegistration"]


@dataclass(frozen=True, slots=True)
class ModelRegistration:
    """One handler for one model type, offered by a named provider."""

    model_type: str
    handler: ModelHandler
    provider: str
    priority: int = 0
    sequence: int = 0
    """Registration order; breaks priority ties in favour of the earliest."""


class ModelHandlers:
    """The model handlers of one agent, kept in the order calls should try them."""

    def __init__(self) -> None:
        self._by_type: dict[str, list[ModelRegistration]] = {}
        self._sequence = itertools.count()

    def register(
        self, model_type: ModelType | str, handler: ModelHandler, provider: str, priority: int = 0
    ) -> ModelRegistration:
        """Add ``handler`` for ``model_type``; a second one from the same provider is refused."""
        key = str(model_type)
        entries = self._by_type.setdefault(key, [])
        if any(e.provider == provider for e in entries):
            raise DuplicateRegistrationError(
                f"model provider {provider!r} already registered a {key} handler; "
                "register each (model type, provider) pair once"
            )
        entry = ModelRegistration(key, handler, provider, priority, next(self._sequence))
        entries.append(entry)
        entries.sort(key=lambda e: (-e.priority, e.sequence))
        return entry

    def handlers(self, model_type: ModelType | str) -> list[ModelRegistration]:
        """Every handler for ``model_type`` in the order to try them (empty when none)."""
        return list(self._by_type.get(str(model_type), ()))

    def candidates(
        self, model_type: ModelType | str, provider: str | None = None
    ) -> list[ModelRegistration]:
        """The handlers a call should try, best first; ``provider`` narrows to that provider.

        Raises :class:`NoModelHandlerError` naming the model type when there are none.
        """
        entries = self.handlers(model_type)
        if provider is None:
            if not entries:
                raise NoModelHandlerError(
                    f"no handler is registered for model type {model_type}; add a plugin "
                    "that provides it (e.g. the offline model or an OpenAI-compatible provider)"
                )
            return entries
        chosen = [e for e in entries if e.provider == provider]
        if not chosen:
            offered = ", ".join(e.provider for e in entries) or "none"
            raise NoModelHandlerError(
                f"model provider {provider!r} has no handler for model type {model_type} "
                f"(providers of {model_type}: {offered}); pick one of those or register it"
            )
        return chosen
