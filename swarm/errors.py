"""The errors swarm raises. Every one derives from :class:`SwarmError`.

Each message says what happened and what to do next. The tree::

    SwarmError
    ├── ConfigError (ValueError)              bad setting or URL
    ├── CharacterError (ValueError)           a character that cannot be loaded or is invalid
    ├── PluginError                           plugin wiring
    │   ├── DependencyCycleError              plugins that depend on each other in a ring
    │   ├── MissingDependencyError (LookupError)
    │   └── DuplicateRegistrationError (ValueError)
    ├── ServiceError                          a service that failed to start or stop
    ├── RuntimeClosedError (RuntimeError)     an agent runtime used after stop() or a failed start
    ├── ModelError                            model handlers
    │   ├── NoModelHandlerError (LookupError)
    │   ├── CircuitOpenError                  provider failing fast after repeated failures
    │   └── AllModelsFailedError              every handler of a model type failed
    ├── StoreError                            the memory store
    │   ├── StoreConnectionError (ConnectionError)
    │   └── EmbeddingDimensionError (ValueError)
    ├── ProtocolError (ValueError)            a malformed wire envelope
    ├── UnknownAgentError (LookupError)       an agent name or id nobody knows
    ├── DeliveryTimeoutError (TimeoutError)   no reply in time
    ├── PermissionDeniedError (PermissionError)
    ├── SecretsError (ValueError)             stored secrets that the key cannot decrypt
    ├── EmbeddedServerError                   an embedded Valkey/PostgreSQL that failed to start
    ├── FleetError                            the `swarm up` launcher and its supervisor
    │   ├── FleetAlreadyRunningError          another `swarm up` owns this state directory
    │   ├── FleetNotRunningError (LookupError)  `swarm down` found no fleet to stop
    │   └── CrashLoopError                    a child kept crashing right after its start
    └── NotInFleetError (RuntimeError)        fleet messaging asked of a runtime outside a fleet
"""

from __future__ import annotations

__all__ = [
    "AllModelsFailedError",
    "CharacterError",
    "CircuitOpenError",
    "ConfigError",
    "CrashLoopError",
    "DeliveryTimeoutError",
    "DependencyCycleError",
    "DuplicateRegistrationError",
    "EmbeddedServerError",
    "EmbeddingDimensionError",
    "FleetAlreadyRunningError",
    "FleetError",
    "FleetNotRunningError",
    "MissingDependencyError",
    "ModelError",
    "NoModelHandlerError",
    "NotInFleetError",
    "PermissionDeniedError",
    "PluginError",
    "ProtocolError",
    "RuntimeClosedError",
    "SecretsError",
    "ServiceError",
    "StoreConnectionError",
    "StoreError",
    "SwarmError",
    "UnknownAgentError",
]


class SwarmError(Exception):
    """Root of every error swarm raises on purpose."""


class ConfigError(SwarmError, ValueError):
    """A setting, URL or option is missing or malformed."""


class CharacterError(SwarmError, ValueError):
    """A character could not be loaded or failed validation.

    ``source`` names where it came from (a path, URL, module or ``"env"``);
    ``errors`` lists each problem as ``"path: message"``.
    """

    def __init__(self, message: str, *, source: str = "", errors: list[str] | None = None):
        self.source = source
        self.errors = list(errors or [])
        detail = "".join(f"\n  - {e}" for e in self.errors)
        super().__init__(f"{message}{detail}")


class PluginError(SwarmError):
    """A plugin could not be resolved, ordered or registered."""


class DependencyCycleError(PluginError):
    """Plugins (or services) depend on each other in a ring; ``cycle`` lists it."""

    def __init__(self, cycle: list[str], kind: str = "plugin"):
        self.cycle = cycle
        super().__init__(
            f"{kind} dependency cycle: {' -> '.join(cycle)}; remove one of these dependencies"
        )


class MissingDependencyError(PluginError, LookupError):
    """A plugin (or service) needs another one that is not available."""


class DuplicateRegistrationError(PluginError, ValueError):
    """Something with this name is registered already."""


class ServiceError(SwarmError):
    """A service failed to start, stop or restart."""


class ModelError(SwarmError):
    """A model call failed after its retries and fallbacks."""


class NoModelHandlerError(ModelError, LookupError):
    """No handler is registered for a model type."""


class CircuitOpenError(ModelError):
    """A model provider's circuit breaker is open: calls fail fast until it cools down."""


class StoreError(SwarmError):
    """The memory store failed."""


class StoreConnectionError(StoreError, ConnectionError):
    """The memory store cannot be reached (the message never contains a password)."""


class EmbeddingDimensionError(StoreError, ValueError):
    """An embedding does not have the store's configured dimension."""


class ProtocolError(SwarmError, ValueError):
    """A wire envelope could not be decoded."""


class UnknownAgentError(SwarmError, LookupError):
    """No agent with this name or id is known."""


class DeliveryTimeoutError(SwarmError, TimeoutError):
    """No reply arrived before the deadline."""


class PermissionDeniedError(SwarmError, PermissionError):
    """The caller has no authority for this operation."""


class RuntimeClosedError(SwarmError, RuntimeError):
    """An agent runtime was stopped (or failed to initialise) and cannot be started again."""


class AllModelsFailedError(ModelError):
    """Every handler of a model type failed; ``errors`` lists ``"provider: error"`` for each."""

    def __init__(self, message: str, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(message)


class EmbeddedServerError(SwarmError):
    """An embedded server (Valkey or PostgreSQL) failed to start, answer or stop."""


class FleetError(SwarmError):
    """The fleet launcher or its process supervisor failed."""


class FleetAlreadyRunningError(FleetError):
    """Another ``swarm up`` holds the lock of this state directory."""


class FleetNotRunningError(FleetError, LookupError):
    """No running ``swarm up`` owns this state directory."""


class CrashLoopError(FleetError):
    """A supervised child crashed too many times in a row, each time soon after it started."""


class SecretsError(SwarmError, ValueError):
    """Stored secrets cannot be decrypted: a wrong ``SWARM_SECRETS_KEY`` or altered data."""


class NotInFleetError(SwarmError, RuntimeError):
    """An agent asked to message other agents, but no swarm worker hosts its runtime."""
