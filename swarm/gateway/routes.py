"""The gateway's routes: messages to agents, their replies, the agent list, health, metrics."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import anyio
import msgspec
import redis.exceptions
from fastapi import APIRouter, Path, Security
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import APIKeyHeader, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST

from swarm.bus import AgentRecord, AgentStatus, resolve_agent
from swarm.client import SwarmClient
from swarm.errors import DeliveryTimeoutError, StoreConnectionError, UnknownAgentError
from swarm.gateway.lookup import agent_of, remember
from swarm.gateway.metrics import GatewayMetrics
from swarm.gateway.problems import ApiError, error_body
from swarm.gateway.schemas import (
    AcceptedOut,
    AgentOut,
    AgentsOut,
    ErrorOut,
    HealthOut,
    MessageIn,
    ReplyOut,
)
from swarm.ids import incoming_id, response_id
from swarm.types import Memory

__all__ = ["HEALTH_TIMEOUT_S", "ReplyStore", "Routes"]

log = logging.getLogger("swarm.gateway")

HEALTH_TIMEOUT_S = 2.0
"""A dependency that does not answer a ping within this long counts as down."""

AgentName = Annotated[str, Path(min_length=1, max_length=200, description="Agent name or id.")]

# Documented on every route behind the guard (schemathesis checks that each status is listed).
_GUARDED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Malformed request headers."},
    401: {"model": ErrorOut, "description": "Missing or wrong API key."},
    413: {"model": ErrorOut, "description": "Request body over the size limit."},
    422: {"model": ErrorOut, "description": "The request does not match the schema."},
    429: {"model": ErrorOut, "description": "Rate limit exceeded; see Retry-After."},
    503: {"model": ErrorOut, "description": "Redis or the memory store is unreachable."},
}


class ReplyStore(Protocol):
    """The part of ``swarm.memory.MemoryStore`` the gateway reads."""

    async def ping(self) -> None: ...

    async def get_memory(self, memory_id: str) -> Memory | None: ...


def _reply_from_memory(message_id: str, agent_id: str, memory: Memory | None) -> ReplyOut:
    if memory is None:  # the turn ran and stored the message, but the agent stayed silent
        return ReplyOut(
            message_id=message_id,
            agent_id=agent_id,
            room_id="",
            text="",
            content={},
            responded=False,
        )
    model = memory.content.data.get("model")
    return ReplyOut(
        message_id=message_id,
        agent_id=agent_id,
        room_id=memory.room_id,
        text=memory.content.text,
        content=msgspec.to_builtins(memory.content),
        responded=True,
        model=model if isinstance(model, str) else None,
    )


def _agent_out(agent: AgentStatus) -> AgentOut:
    return AgentOut(
        name=agent.name,
        id=agent.id,
        status=agent.status,
        workers=agent.workers,
        queued=agent.queued,
        processed=agent.processed,
        parent=agent.parent,
        inbox=agent.inbox,
        registered_at=agent.registered_at,
    )


@dataclass(frozen=True)
class Routes:
    """The route handlers, bound to what they talk to."""

    client: SwarmClient
    store: ReplyStore
    metrics: GatewayMetrics

    def routers(self) -> list[APIRouter]:
        """The open router (health) and the guarded one (everything else)."""
        open_router = APIRouter()
        open_router.add_api_route(
            "/health",
            self.health,
            methods=["GET"],
            response_model=HealthOut,
            responses={503: {"model": HealthOut, "description": "A dependency is down."}},
            summary="Readiness: Redis and the memory store answer a ping",
            tags=["operations"],
        )
        # Declared for OpenAPI (and its clients); the Guard middleware does the checking.
        security = [
            Security(HTTPBearer(auto_error=False, description="SWARM_API_KEY as a bearer token")),
            Security(APIKeyHeader(name="X-API-Key", auto_error=False)),
        ]
        guarded = APIRouter(dependencies=security, responses=_GUARDED)
        guarded.add_api_route(
            "/agents/{name}/messages",
            self.post_message,
            methods=["POST"],
            response_model=None,
            status_code=200,
            responses={
                200: {"model": ReplyOut, "description": "The agent's reply (wait=true)."},
                202: {"model": AcceptedOut, "description": "Queued (wait=false)."},
                404: {"model": ErrorOut, "description": "No agent of this name or id."},
                502: {"model": ErrorOut, "description": "The agent failed the message."},
                504: {"model": ErrorOut, "description": "No reply within timeout_s."},
            },
            summary="Send a message to an agent; wait for its reply or get the id",
            tags=["messages"],
        )
        guarded.add_api_route(
            "/messages/{message_id}",
            self.get_reply,
            methods=["GET"],
            response_model=ReplyOut,
            responses={404: {"model": ErrorOut, "description": "Unknown, or no reply yet."}},
            summary="The reply to a message sent with wait=false",
            tags=["messages"],
        )
        guarded.add_api_route(
            "/agents",
            self.list_agents,
            methods=["GET"],
            response_model=AgentsOut,
            summary="Every registered agent",
            tags=["agents"],
        )
        guarded.add_api_route(
            "/agents/{name}",
            self.get_agent,
            methods=["GET"],
            response_model=AgentOut,
            responses={404: {"model": ErrorOut, "description": "No agent of this name or id."}},
            summary="One registered agent, by name or id",
            tags=["agents"],
        )
        guarded.add_api_route(
            "/metrics",
            self.render_metrics,
            methods=["GET"],
            response_class=PlainTextResponse,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus"}},
            summary="Prometheus metrics of this gateway process",
            tags=["operations"],
        )
        return [open_router, guarded]

    async def _agent(self, name: str) -> AgentRecord:
        try:
            return await resolve_agent(self.client.redis, name)
        except UnknownAgentError:
            raise ApiError(
                404,
                "unknown_agent",
                f"no agent named or with id {name!r} is registered; "
                "GET /agents lists the agents this fleet hosts",
            ) from None

    async def post_message(self, name: AgentName, body: MessageIn) -> Response:
        agent = await self._agent(name)
        message_id = str(uuid.uuid4())
        await remember(self.client.redis, message_id, agent.id)
        location = f"/messages/{message_id}"
        try:
            if not body.wait:
                await self.client.send(
                    agent.name, body.text, body.room, wait=False, message_id=message_id
                )
                accepted = AcceptedOut(message_id=message_id, agent_id=agent.id, location=location)
                return JSONResponse(
                    accepted.model_dump(), status_code=202, headers={"Location": location}
                )
            reply = await self.client.send(
                agent.name, body.text, body.room, timeout=body.timeout_s, message_id=message_id
            )
        except UnknownAgentError:  # unregistered between the lookup and the send
            raise ApiError(
                404, "unknown_agent", f"agent {name!r} is no longer registered; GET /agents"
            ) from None
        except DeliveryTimeoutError:
            raise ApiError(
                504,
                "reply_timeout",
                f"agent {name!r} did not reply within {body.timeout_s:g} s; the message stays "
                f"queued: GET {location} later, or send with a larger timeout_s",
                message_id=message_id,
            ) from None
        if reply.kind == "error":
            raise ApiError(
                502,
                "message_failed",
                f"agent {name!r} could not handle the message ({reply.error}); "
                "it was moved to the dead-letter stream: fix the cause and send it again",
                message_id=message_id,
            )
        out = ReplyOut(
            message_id=message_id,
            agent_id=reply.agent_id,
            room_id=reply.room_id,
            text=reply.text,
            content=msgspec.to_builtins(reply.content),
            responded=reply.responded,
            replayed=reply.replayed,
            model=reply.model,
        )
        return JSONResponse(out.model_dump())

    async def get_reply(self, message_id: uuid.UUID) -> ReplyOut:
        mid = str(message_id)
        agent_id = await agent_of(self.client.redis, mid)
        if agent_id is None:
            raise ApiError(
                404,
                "unknown_message",
                f"this gateway sent no message {mid} (or it is over a week old); "
                "send one with POST /agents/{name}/messages",
            )
        reply = await self.store.get_memory(response_id(mid, agent_id))
        if reply is None and await self.store.get_memory(incoming_id(mid, agent_id)) is None:
            raise ApiError(
                404,
                "reply_pending",
                f"agent {agent_id} has not answered message {mid} yet; retry in a moment",
                headers={"Retry-After": "1"},
                message_id=mid,
            )
        return _reply_from_memory(mid, agent_id, reply)

    async def list_agents(self) -> AgentsOut:
        return AgentsOut(agents=[_agent_out(record) for record in await self.client.agents()])

    async def get_agent(self, name: AgentName) -> AgentOut:
        record = await self._agent(name)
        for agent in await self.client.agents():
            if agent.id == record.id:
                return _agent_out(agent)
        raise ApiError(
            404, "unknown_agent", f"agent {name!r} was unregistered just now; GET /agents"
        )

    async def render_metrics(self) -> PlainTextResponse:
        return PlainTextResponse(self.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    async def health(self) -> JSONResponse:
        checks = {"redis": await self._check_redis(), "store": await self._check_store()}
        failing = [name for name, state in checks.items() if state != "ok"]
        if not failing:
            return JSONResponse(HealthOut(status="ok", checks=checks).model_dump(mode="json"))
        message = "; ".join(f"{name}: {checks[name]}" for name in failing)
        body = {
            "status": "unavailable",
            "checks": checks,
            **error_body(
                "unavailable",
                f"not ready: {message}; check SWARM_REDIS_URL / SWARM_DATABASE_URL and "
                "that those servers run",
                failing=failing,
            ),
        }
        return JSONResponse(body, status_code=503)

    async def _check_redis(self) -> str:
        try:
            with anyio.fail_after(HEALTH_TIMEOUT_S):
                await self.client.ping()
        except TimeoutError:
            return f"no answer to PING within {HEALTH_TIMEOUT_S:g} s"
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            return f"unreachable ({exc})"  # redis-py names host and port, never the password
        except Exception as exc:
            return f"failed ({type(exc).__name__})"
        return "ok"

    async def _check_store(self) -> str:
        try:
            with anyio.fail_after(HEALTH_TIMEOUT_S):
                await self.store.ping()
        except TimeoutError:
            return f"no answer to a ping within {HEALTH_TIMEOUT_S:g} s"
        except StoreConnectionError as exc:
            return f"unreachable ({exc})"  # the store's messages never carry a password
        except Exception as exc:
            return f"failed ({type(exc).__name__})"
        return "ok"
