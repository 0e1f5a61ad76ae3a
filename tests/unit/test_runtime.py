"""The agent runtime: identity, settings, registration, models, events, lifecycle, lazy mode."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import anyio
import pytest

import swarm.runtime
from swarm.characters import Character
from swarm.errors import (
    DuplicateRegistrationError,
    MissingDependencyError,
    NoModelHandlerError,
    PluginError,
    RuntimeClosedError,
)
from swarm.runtime import (
    Action,
    ActionResult,
    AgentRuntime,
    Content,
    Evaluator,
    EventType,
    Memory,
    ModelType,
    Plugin,
    Provider,
    ProviderResult,
    RuntimeStatus,
    State,
    Veto,
)


def character(name: str = "Tester", **fields: Any) -> Character:
    """A minimal valid character; ``fields`` as Character's snake_case attributes."""
    return Character(name=name, bio="An agent under test.", **fields)


def message(text: str = "hello") -> Memory:
    return Memory(
        entity_id="00000000-0000-0000-0000-000000000001",
        room_id="00000000-0000-0000-0000-000000000002",
        content=Content(text=text),
    )


async def _noop(*args: Any) -> None:
    return None


async def _provide(*args: Any) -> ProviderResult:
    return ProviderResult()


def action(name: str) -> Action:
    return Action(name=name, description=f"does {name}", handler=_noop)


def model(reply: str) -> Any:
    async def handler(runtime: Any, params: Mapping[str, Any]) -> str:
        return f"{reply}:{params.get('prompt', '')}"

    return handler


class FakeStore:
    """Records the lifecycle calls the runtime makes on its store."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def init(self) -> None:
        self.calls.append("init")

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self.calls.append("close")


def test_public_names_are_exported() -> None:
    """swarm.runtime lists exactly the names it exports, and each one exists."""
    exported = set(swarm.runtime.__all__)
    assert {"AgentRuntime", "Plugin", "Action", "Service", "ModelType", "Veto"} <= exported
    assert all(hasattr(swarm.runtime, name) for name in exported)


# -- identity and settings -----------------------------------------------------------------


def test_agent_id_is_derived_from_the_name() -> None:
    """Without an id the agent id is string_to_uuid(name), as in elizaOS."""
    runtime = AgentRuntime(character("test"))
    assert runtime.agent_id == "a94a8fe5-ccb1-0ba6-9c4c-0873d391e987"


def test_agent_id_comes_from_the_character_when_set() -> None:
    """A character's own id is the agent id."""
    agent_id = "11111111-2222-0333-8444-555555555555"
    assert AgentRuntime(character("x", id=agent_id)).agent_id == agent_id


def test_setting_lookup_order() -> None:
    """get_setting looks in runtime settings, character settings, secrets, settings.secrets."""
    runtime = AgentRuntime(
        character(
            settings={
                "A": "char",
                "B": "char",
                "secrets": {"A": "n", "B": "n", "C": "n", "D": "n"},
            },
            secrets={"A": "secret", "B": "secret", "C": "secret"},
        ),
        settings={"A": "runtime"},
    )
    assert [runtime.get_setting(k) for k in "ABCDE"] == ["runtime", "char", "secret", "n", None]


def test_boolean_strings_become_booleans() -> None:
    """The strings "true" and "false" are read as booleans, as elizaOS does."""
    runtime = AgentRuntime(character(settings={"ON": "true", "OFF": "false", "N": 0}))
    assert (runtime.get_setting("ON"), runtime.get_setting("OFF"), runtime.get_setting("N")) == (
        True,
        False,
        0,
    )


def test_a_none_setting_falls_through_to_the_next_source() -> None:
    """A key present with the value None counts as unset."""
    runtime = AgentRuntime(character(secrets={"K": "from-secrets"}), settings={"K": None})
    assert runtime.get_setting("K") == "from-secrets"


# -- components ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("register", "kind"),
    [
        (lambda r, n: r.register_action(action(n)), "action"),
        (lambda r, n: r.register_provider(Provider(name=n, get=_provide)), "provider"),
        (
            lambda r, n: r.register_evaluator(Evaluator(name=n, description="", handler=_noop)),
            "evaluator",
        ),
    ],
)
def test_duplicate_component_names_are_refused(register: Any, kind: str) -> None:
    """Registering a second action/provider/evaluator with one name raises, naming it."""
    runtime = AgentRuntime(character())
    register(runtime, "SAME")
    with pytest.raises(DuplicateRegistrationError, match=rf"^{kind} 'SAME' is registered already"):
        register(runtime, "SAME")


def test_providers_are_kept_in_position_order() -> None:
    """Providers are ordered by position; equal positions keep registration order."""
    runtime = AgentRuntime(character())
    for name, position in [("late", 10), ("a", 0), ("early", -5), ("b", 0)]:
        runtime.register_provider(Provider(name=name, get=_provide, position=position))
    assert list(runtime.providers) == ["early", "a", "b", "late"]


@pytest.mark.anyio
async def test_an_evaluator_runs_when_always_run_or_valid() -> None:
    """should_run is true for always_run evaluators and otherwise asks validate."""

    async def no(runtime: Any, message: Memory, state: State | None) -> bool:
        return False

    runtime = AgentRuntime(character())
    always = Evaluator(name="A", description="", handler=_noop, validate=no, always_run=True)
    gated = Evaluator(name="G", description="", handler=_noop, validate=no)
    assert (await always.should_run(runtime, message(), None)) is True
    assert (await gated.should_run(runtime, message(), None)) is False


def test_state_keeps_provider_results_under_data() -> None:
    """State.providers is the data["providers"] mapping."""
    state = State()
    state.providers["TIME"] = ProviderResult(text="noon")
    assert state.data == {"providers": {"TIME": ProviderResult(text="noon")}}


# -- models --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_the_highest_priority_handler_answers() -> None:
    """use_model calls the handler with the highest priority."""
    runtime = AgentRuntime(character())
    runtime.register_model(ModelType.TEXT_SMALL, model("low"), "low", priority=1)
    runtime.register_model(ModelType.TEXT_SMALL, model("high"), "high", priority=5)
    runtime.register_model(ModelType.TEXT_SMALL, model("mid"), "mid", priority=3)
    assert await runtime.use_model(ModelType.TEXT_SMALL, {"prompt": "hi"}) == "high:hi"
    assert [h.provider for h in runtime.get_model_handlers(ModelType.TEXT_SMALL)] == [
        "high",
        "mid",
        "low",
    ]


@pytest.mark.anyio
async def test_priority_ties_go_to_the_earliest_registration() -> None:
    """Among handlers of equal priority the first registered answers."""
    runtime = AgentRuntime(character())
    runtime.register_model(ModelType.TEXT_LARGE, model("first"), "first")
    runtime.register_model(ModelType.TEXT_LARGE, model("second"), "second")
    assert await runtime.use_model(ModelType.TEXT_LARGE, {}) == "first:"


@pytest.mark.anyio
async def test_a_named_provider_is_used_when_asked_for() -> None:
    """provider= picks that provider's handler over a higher-priority one."""
    runtime = AgentRuntime(character())
    runtime.register_model(ModelType.TEXT_SMALL, model("best"), "best", priority=9)
    runtime.register_model(ModelType.TEXT_SMALL, model("local"), "local")
    assert await runtime.use_model(ModelType.TEXT_SMALL, {}, provider="local") == "local:"


@pytest.mark.anyio
async def test_no_handler_names_the_model_type() -> None:
    """use_model without any handler raises NoModelHandlerError naming the model type."""
    runtime = AgentRuntime(character())
    with pytest.raises(NoModelHandlerError, match=r"model type TEXT_EMBEDDING;"):
        await runtime.use_model(ModelType.TEXT_EMBEDDING, {"text": "x"})


@pytest.mark.anyio
async def test_an_unknown_provider_lists_the_known_ones() -> None:
    """Asking for a provider that lacks the model type names those that have it."""
    runtime = AgentRuntime(character())
    runtime.register_model(ModelType.TEXT_SMALL, model("a"), "a")
    with pytest.raises(NoModelHandlerError, match=r"\(providers of TEXT_SMALL: a\)"):
        await runtime.use_model(ModelType.TEXT_SMALL, {}, provider="zzz")


def test_one_provider_registers_a_model_type_once() -> None:
    """A second handler for the same (model type, provider) is refused."""
    runtime = AgentRuntime(character())
    runtime.register_model(ModelType.TEXT_SMALL, model("a"), "a")
    with pytest.raises(DuplicateRegistrationError, match=r"'a' already registered a TEXT_SMALL"):
        runtime.register_model(ModelType.TEXT_SMALL, model("b"), "a")


@pytest.mark.anyio
async def test_model_handlers_receive_the_runtime() -> None:
    """A model handler is called with the runtime and the params given to use_model."""
    seen: list[tuple[Any, Mapping[str, Any]]] = []

    async def handler(runtime: Any, params: Mapping[str, Any]) -> None:
        seen.append((runtime, params))

    runtime = AgentRuntime(character())
    runtime.register_model(ModelType.TEXT_EMBEDDING, handler, "p")
    await runtime.use_model(ModelType.TEXT_EMBEDDING, {"text": "x"})
    assert seen == [(runtime, {"text": "x"})]


# -- events --------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_every_listener_of_an_event_runs() -> None:
    """emit runs each listener of the event with the runtime and payload, no others."""
    got: list[tuple[str, Any]] = []

    async def first(runtime: Any, payload: Mapping[str, Any]) -> None:
        got.append(("first", payload["n"]))

    async def second(runtime: Any, payload: Mapping[str, Any]) -> None:
        got.append(("second", payload["n"]))

    runtime = AgentRuntime(character())
    runtime.on(EventType.MESSAGE_RECEIVED, first)
    runtime.on("MESSAGE_RECEIVED", second)
    runtime.on(EventType.MESSAGE_SENT, first)
    await runtime.emit(EventType.MESSAGE_RECEIVED, {"n": 1})
    assert sorted(got) == [("first", 1), ("second", 1)]


def test_has_handlers_says_whether_an_event_has_a_listener() -> None:
    """has_handlers is True once a listener is added for that event (by enum or name) only."""

    async def listener(runtime: Any, payload: Mapping[str, Any]) -> None:
        return None

    runtime = AgentRuntime(character())
    runtime.on("MESSAGE_SENT", listener)
    assert runtime.events.has_handlers(EventType.MESSAGE_SENT)
    assert not runtime.events.has_handlers(EventType.MESSAGE_RECEIVED)


@pytest.mark.anyio
async def test_a_failing_listener_is_logged_and_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A listener that raises is logged with the agent bound; the other listeners complete."""
    done = anyio.Event()

    async def broken(runtime: Any, payload: Mapping[str, Any]) -> None:
        raise ValueError("listener bug")

    async def healthy(runtime: Any, payload: Mapping[str, Any]) -> None:
        done.set()

    runtime = AgentRuntime(character("Ev"))
    runtime.on("PING", broken)
    runtime.on("PING", healthy)
    with caplog.at_level(logging.ERROR, logger="swarm.runtime"):
        await runtime.emit("PING", {})
    assert done.is_set()
    [record] = caplog.records
    assert record.name == "swarm.runtime.events"
    assert record.getMessage().startswith(f"agent Ev ({runtime.agent_id[:8]}): listener ")
    assert "broken of event PING failed" in record.getMessage()
    assert record.agent_id == runtime.agent_id  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_a_single_failing_listener_does_not_raise() -> None:
    """emit with one raising listener returns normally."""

    async def broken(runtime: Any, payload: Mapping[str, Any]) -> None:
        raise ValueError("listener bug")

    runtime = AgentRuntime(character())
    runtime.on("PING", broken)
    await runtime.emit("PING", {})


# -- lifecycle -----------------------------------------------------------------------------


def lifecycle_plugin(name: str, log: list[str], **fields: Any) -> Plugin:
    """A plugin whose init/start/stop hooks append ``<name>.<hook>`` to ``log``."""

    async def init(config: Mapping[str, Any], runtime: AgentRuntime) -> None:
        log.append(f"{name}.init")

    async def start(runtime: AgentRuntime) -> None:
        log.append(f"{name}.start")

    async def stop(runtime: AgentRuntime) -> None:
        log.append(f"{name}.stop")

    return Plugin(name=name, init=init, start=start, stop=stop, **fields)


@pytest.mark.anyio
async def test_initialize_and_stop_run_hooks_in_order() -> None:
    """initialize inits then starts plugins in load order; stop stops them in reverse."""
    log: list[str] = []
    store = FakeStore()
    runtime = AgentRuntime(
        character(),
        adapter=store,
        plugins=[lifecycle_plugin("a", log, dependencies=["b"]), lifecycle_plugin("b", log)],
    )
    await runtime.initialize()
    assert log == ["b.init", "a.init", "b.start", "a.start"]
    assert (runtime.status, runtime.is_initialized, store.calls) == (
        RuntimeStatus.ACTIVE,
        True,
        ["init"],
    )
    log.clear()
    await runtime.stop()
    assert log == ["a.stop", "b.stop"]
    assert (runtime.status, runtime.is_initialized) == (RuntimeStatus.INACTIVE, False)


@pytest.mark.anyio
async def test_stop_leaves_a_shared_store_open() -> None:
    """Without owns_adapter the runtime never closes the store it was given."""
    store = FakeStore()
    runtime = AgentRuntime(character(), adapter=store)
    await runtime.initialize()
    await runtime.stop()
    assert store.calls == ["init"]


@pytest.mark.anyio
async def test_stop_closes_an_owned_store() -> None:
    """With owns_adapter=True stop closes the store last."""
    store = FakeStore()
    runtime = AgentRuntime(character(), adapter=store, owns_adapter=True)
    await runtime.initialize()
    await runtime.stop()
    assert store.calls == ["init", "close"]


@pytest.mark.anyio
async def test_initialize_twice_initializes_once() -> None:
    """A second initialize() call does nothing."""
    log: list[str] = []
    runtime = AgentRuntime(character(), plugins=[lifecycle_plugin("a", log)])
    await runtime.initialize()
    await runtime.initialize()
    assert log == ["a.init", "a.start"]
    await runtime.stop()


@pytest.mark.anyio
async def test_concurrent_initialize_calls_initialize_once() -> None:
    """Racing initialize() calls run the plugins' hooks once."""
    log: list[str] = []
    store = FakeStore()
    runtime = AgentRuntime(character(), adapter=store, plugins=[lifecycle_plugin("a", log)])
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(runtime.initialize)
    assert (log, store.calls) == (["a.init", "a.start"], ["init"])
    await runtime.stop()


@pytest.mark.anyio
async def test_a_stopped_runtime_refuses_to_start_again() -> None:
    """initialize() after stop() raises RuntimeClosedError."""
    runtime = AgentRuntime(character("Once"))
    await runtime.initialize()
    await runtime.stop()
    with pytest.raises(RuntimeClosedError, match=r"^agent Once \("):
        await runtime.initialize()


@pytest.mark.anyio
async def test_stop_twice_is_harmless() -> None:
    """A second stop() runs no hook again."""
    log: list[str] = []
    runtime = AgentRuntime(character(), plugins=[lifecycle_plugin("a", log)])
    await runtime.initialize()
    await runtime.stop()
    await runtime.stop()
    assert log == ["a.init", "a.start", "a.stop"]


@pytest.mark.anyio
async def test_a_failing_stop_hook_does_not_prevent_the_others() -> None:
    """Every plugin's stop hook runs; the failures are raised together at the end."""
    log: list[str] = []

    async def broken_stop(runtime: AgentRuntime) -> None:
        log.append("mid.stop")
        raise RuntimeError("socket already closed")

    plugins = [
        lifecycle_plugin("first", log),
        Plugin(name="mid", stop=broken_stop),
        lifecycle_plugin("last", log),
    ]
    runtime = AgentRuntime(character(), plugins=plugins)
    await runtime.initialize()
    log.clear()
    with pytest.raises(ExceptionGroup) as caught:
        await runtime.stop()
    assert log == ["last.stop", "mid.stop", "first.stop"]
    [error] = caught.value.exceptions
    assert isinstance(error, PluginError)
    assert str(error).startswith("stop hook of plugin 'mid' failed: RuntimeError: socket")
    assert runtime.status is RuntimeStatus.INACTIVE


@pytest.mark.anyio
async def test_stop_completes_under_cancellation() -> None:
    """stop() called in a cancelled scope still runs every stop hook."""
    log: list[str] = []
    runtime = AgentRuntime(character(), plugins=[lifecycle_plugin("a", log)])
    await runtime.initialize()
    with anyio.CancelScope() as scope:
        scope.cancel()
        await runtime.stop()
    assert log[-1] == "a.stop"
    assert runtime.status is RuntimeStatus.INACTIVE


# -- lazy mode -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_lazy_mode_loads_only_core_plugins_at_start() -> None:
    """With lazy=True only core plugins and their dependencies load in initialize()."""
    plugins = [
        Plugin(name="core", core=True, dependencies=["base"]),
        Plugin(name="base"),
        Plugin(name="extra", actions=[action("EXTRA")]),
    ]
    runtime = AgentRuntime(character(), plugins=plugins, lazy=True)
    await runtime.initialize()
    assert [p.name for p in runtime.plugins] == ["base", "core"]
    assert "EXTRA" not in runtime.actions
    await runtime.stop()


@pytest.mark.anyio
async def test_lazy_mode_loads_a_plugin_on_first_use_of_its_action() -> None:
    """get_action loads the deferred plugin providing the action, with its dependencies."""
    log: list[str] = []
    plugins = [
        Plugin(name="core", core=True),
        lifecycle_plugin("helper", log),
        lifecycle_plugin("mail", log, dependencies=["helper"], actions=[action("SEND_EMAIL")]),
    ]
    runtime = AgentRuntime(character(), plugins=plugins, lazy=True)
    await runtime.initialize()
    assert log == []
    found = await runtime.get_action("SEND_EMAIL")
    assert found is plugins[2].actions[0]
    assert [p.name for p in runtime.plugins] == ["core", "helper", "mail"]
    assert log == ["helper.init", "helper.start", "mail.init", "mail.start"]
    await runtime.stop()


@pytest.mark.anyio
async def test_lazy_loading_happens_once_under_concurrency() -> None:
    """Concurrent first uses of a deferred action load its plugin once."""
    log: list[str] = []
    plugins = [lifecycle_plugin("mail", log, actions=[action("SEND_EMAIL")])]
    runtime = AgentRuntime(character(), plugins=plugins, lazy=True)
    await runtime.initialize()
    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(runtime.get_action, "SEND_EMAIL")
    assert log == ["mail.init", "mail.start"]
    await runtime.stop()


@pytest.mark.anyio
async def test_lazy_mode_loads_a_model_provider_on_first_use() -> None:
    """use_model loads a deferred plugin offering the model type when none is loaded."""
    plugin = Plugin(name="llm", models={ModelType.TEXT_SMALL: model("lazy")})
    runtime = AgentRuntime(character(), plugins=[plugin], lazy=True)
    await runtime.initialize()
    assert await runtime.use_model(ModelType.TEXT_SMALL, {"prompt": "p"}) == "lazy:p"
    await runtime.stop()


@pytest.mark.anyio
async def test_an_unknown_action_is_none_in_both_modes() -> None:
    """get_action returns None for a name no plugin provides, eager or lazy."""
    for lazy in (False, True):
        runtime = AgentRuntime(character(), plugins=[Plugin(name="p")], lazy=lazy)
        await runtime.initialize()
        assert await runtime.get_action("NOPE") is None
        await runtime.stop()


@pytest.mark.anyio
async def test_loading_an_unknown_plugin_says_so() -> None:
    """load_plugin of a name neither registered nor deferred raises MissingDependencyError."""
    runtime = AgentRuntime(character(), lazy=True)
    await runtime.initialize()
    with pytest.raises(MissingDependencyError, match=r"plugin 'ghost' is neither registered"):
        await runtime.load_plugin("ghost")
    await runtime.stop()


# -- message and action hooks --------------------------------------------------------------


@pytest.mark.anyio
async def test_before_message_hooks_chain_in_load_order() -> None:
    """Each before_message hook sees the previous one's message; None keeps it unchanged."""

    async def shout(runtime: AgentRuntime, msg: Memory) -> Memory:
        return Memory(
            entity_id=msg.entity_id,
            room_id=msg.room_id,
            content=Content(text=msg.content.text.upper()),
        )

    async def bang(runtime: AgentRuntime, msg: Memory) -> Memory:
        return Memory(
            entity_id=msg.entity_id,
            room_id=msg.room_id,
            content=Content(text=msg.content.text + "!"),
        )

    async def observe(runtime: AgentRuntime, msg: Memory) -> None:
        return None

    plugins = [
        Plugin(name="a", before_message=shout),
        Plugin(name="b", before_message=observe),
        Plugin(name="c", before_message=bang),
    ]
    runtime = AgentRuntime(character(), plugins=plugins)
    await runtime.initialize()
    result = await runtime.run_before_message(message("hi"))
    assert isinstance(result, Memory)
    assert result.content.text == "HI!"
    await runtime.stop()


@pytest.mark.anyio
async def test_a_before_message_veto_stops_the_chain() -> None:
    """The first Veto is returned, signed with its plugin, and later hooks do not run."""
    ran: list[str] = []

    async def guard(runtime: AgentRuntime, msg: Memory) -> Veto:
        ran.append("guard")
        return Veto("spam")

    async def later(runtime: AgentRuntime, msg: Memory) -> None:
        ran.append("later")

    plugins = [Plugin(name="guard", before_message=guard), Plugin(name="x", before_message=later)]
    runtime = AgentRuntime(character(), plugins=plugins)
    await runtime.initialize()
    assert await runtime.run_before_message(message()) == Veto("spam", plugin="guard")
    assert ran == ["guard"]
    await runtime.stop()


@pytest.mark.anyio
async def test_before_action_false_is_a_veto() -> None:
    """A before_action hook returning False vetoes the action, naming plugin and action."""

    async def deny(runtime: AgentRuntime, act: Action, msg: Memory) -> bool:
        return act.name != "DANGER"

    runtime = AgentRuntime(character(), plugins=[Plugin(name="policy", before_action=deny)])
    await runtime.initialize()
    assert await runtime.run_before_action(action("SAFE"), message()) is None
    veto = await runtime.run_before_action(action("DANGER"), message())
    assert veto == Veto("plugin 'policy' refused action 'DANGER'", plugin="policy")
    await runtime.stop()


@pytest.mark.anyio
async def test_after_hooks_run_even_when_one_fails(caplog: pytest.LogCaptureFixture) -> None:
    """A failing after_action hook is logged and the next plugin's hook still runs."""
    seen: list[tuple[str, str | None]] = []

    async def broken(runtime: AgentRuntime, act: Action, msg: Memory, res: Any) -> None:
        raise RuntimeError("audit sink down")

    async def record(runtime: AgentRuntime, act: Action, msg: Memory, res: Any) -> None:
        seen.append((act.name, res.text))

    plugins = [Plugin(name="audit", after_action=broken), Plugin(name="rec", after_action=record)]
    runtime = AgentRuntime(character(), plugins=plugins)
    await runtime.initialize()
    with caplog.at_level(logging.ERROR, logger="swarm.runtime"):
        await runtime.run_after_action(action("A"), message(), ActionResult(text="done"))
    assert seen == [("A", "done")]
    assert [r.getMessage().split(": ", 1)[1] for r in caplog.records] == [
        "after_action hook of plugin 'audit' failed for action 'A'"
    ]
    await runtime.stop()


@pytest.mark.anyio
async def test_after_message_hooks_receive_message_and_response() -> None:
    """after_message hooks get the incoming message and the response (None when silent)."""
    seen: list[tuple[str, str | None]] = []

    async def record(runtime: AgentRuntime, msg: Memory, response: Memory | None) -> None:
        seen.append((msg.content.text, response.content.text if response else None))

    runtime = AgentRuntime(character(), plugins=[Plugin(name="rec", after_message=record)])
    await runtime.initialize()
    await runtime.run_after_message(message("q"), message("a"))
    await runtime.run_after_message(message("q2"), None)
    assert seen == [("q", "a"), ("q2", None)]
    await runtime.stop()
