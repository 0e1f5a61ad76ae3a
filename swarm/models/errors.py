"""The errors of the model providers, under :class:`~swarm.errors.ModelError`::

    ModelError
    ├── ModelHTTPError                  the provider answered with an HTTP error status
    ├── ModelTimeoutError (TimeoutError)       no answer within the timeout
    ├── ModelConnectionError (ConnectionError) the endpoint could not be reached
    └── ModelResponseError (ValueError)        an answer that cannot be read

Messages name the provider, the URL (credentials removed) and the provider's own words,
never the API key.
"""

from __future__ import annotations

from swarm.errors import ModelError

__all__ = [
    "ModelConnectionError",
    "ModelHTTPError",
    "ModelResponseError",
    "ModelTimeoutError",
]

_RETRYABLE_STATUSES = frozenset({408, 409, 429})


class ModelHTTPError(ModelError):
    """The provider answered ``status``; ``provider_message`` is what it said."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        url: str,
        provider_message: str,
        retry_after_s: float | None = None,
    ) -> None:
        self.status = status
        self.url = url
        self.provider_message = provider_message
        self.retry_after_s = retry_after_s
        super().__init__(message)

    @property
    def retryable(self) -> bool:
        """Worth another attempt: throttled, timed out, conflicting or a server failure."""
        return self.status in _RETRYABLE_STATUSES or self.status >= 500


class ModelTimeoutError(ModelError, TimeoutError):
    """The provider did not answer (or connect) within the timeout."""


class ModelConnectionError(ModelError, ConnectionError):
    """The provider's endpoint could not be reached or dropped the connection."""


class ModelResponseError(ModelError, ValueError):
    """The provider answered something that is not what its API promises."""
