"""The engine's tool loop, events, history and limits, driven by a scripted backend."""

from __future__ import annotations

from itertools import pairwise

from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from support.function_backend import FunctionBackend, Scripted, script

from tutor.backends.base import CONTEXT_OPEN, learner_text
from tutor.content.pack import load_pack
from tutor.demo.handoffs import run_handoff_demo
from tutor.engine import Limits, TutorSession, history_window
from tutor.engine.events import (
    LessonFallback,
    Notice,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnDone,
)
from tutor.errors import ProviderError
from tutor.store import Store


async def run(session: TutorSession, text: str) -> list:
    return [event async for event in session.send(text)]


def text_of(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def last_tool_message(backend: FunctionBackend) -> ToolMessage:
    return [m for m in backend.requests[-1] if isinstance(m, ToolMessage)][-1]


async def test_events_arrive_in_order_for_a_tool_turn() -> None:
    backend = FunctionBackend(
        script(Scripted("Running it.", [("run_handoff_demo", "{}")]), Scripted("Done."))
    )
    events = await run(TutorSession(backend), "go")
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("ToolStarted") < kinds.index("ToolFinished") < len(kinds) - 1
    assert kinds[-1] == "TurnDone"
    finished = next(e for e in events if isinstance(e, ToolFinished))
    assert finished.ok and finished.output.startswith("Risky handoffs")
    assert finished.duration_s >= 0
    # Rounds are separate paragraphs; the app shows the demo's real output between them.
    demo = f"```text\n{run_handoff_demo().rstrip()}\n```"
    assert events[-1].text == f"Running it. \n\n{demo}\n\nDone. "
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == events[-1].text
    assert {e.source for e in events if isinstance(e, TextDelta) and demo in e.text} == {"app"}
    assert finished.display.startswith("6 stages, 5 handoffs")  # a summary, not a copy


async def test_malformed_tool_arguments_go_back_to_the_model_as_an_error() -> None:
    backend = FunctionBackend(
        script(Scripted("", [("run_handoff_demo", "{not json")]), Scripted("Sorry, fixed."))
    )
    events = await run(TutorSession(backend), "demo please")
    finished = next(e for e in events if isinstance(e, ToolFinished))
    assert not finished.ok and "not valid JSON" in finished.output
    assert "not valid JSON" in last_tool_message(backend).text
    assert events[-1].status == "complete"


async def test_arguments_that_do_not_fit_the_schema_are_reported_by_field() -> None:
    backend = FunctionBackend(
        script(Scripted("", [("allocate_team", '{"people": "three"}')]), Scripted("ok"))
    )
    events = await run(TutorSession(backend), "allocate")
    finished = next(e for e in events if isinstance(e, ToolFinished))
    assert not finished.ok
    assert "invalid arguments for allocate_team" in finished.output and "people" in finished.output


async def test_unknown_tool_and_failing_tool_do_not_end_the_session() -> None:
    backend = FunctionBackend(
        script(
            Scripted(
                "",
                [
                    ("launch_rockets", "{}"),
                    ("run_handoff_demo", '{"lifecycle": [{"stage": "a", "owner": "X"}]}'),
                ],
            ),
            Scripted("Recovered."),
        )
    )
    session = TutorSession(backend)
    events = await run(session, "go")
    outputs = [e.output for e in events if isinstance(e, ToolFinished)]
    assert "no tool named 'launch_rockets'" in outputs[0]
    assert outputs[1].startswith("Error:") and "stage" in outputs[1].lower()
    assert events[-1].text == "Recovered. "


async def test_tool_loop_stops_after_the_round_limit_with_a_notice() -> None:
    backend = FunctionBackend(script(Scripted("again", [("run_handoff_demo", "{}")])))
    session = TutorSession(backend, limits=Limits(max_tool_rounds=2))
    events = await run(session, "loop forever")
    assert sum(isinstance(e, ToolStarted) for e in events) == 2
    assert len(backend.requests) == 3
    notice = next(e for e in events if isinstance(e, Notice))
    assert notice.kind == "tool_rounds" and "2 rounds" in notice.message
    assert events[-1].status == "cut_off"
    # The history stays valid: no tool call is left without its result.
    backend.responder = script(Scripted("fine"))
    assert (await run(session, "and now?"))[-1].text == "fine "


async def test_provider_failure_midway_keeps_the_partial_answer_marked_cut_off() -> None:
    backend = FunctionBackend(
        script(
            Scripted(
                "Data scientists build", error=ProviderError("connection", "Lost the model server.")
            )
        )
    )
    session = TutorSession(backend)
    events = await run(session, "roles?")
    assert events[-1].status == "cut_off"
    assert events[-1].text.endswith("[…cut off]")
    assert any(isinstance(e, Notice) and e.kind == "connection" for e in events)


async def test_length_and_content_filter_finishes_are_explained() -> None:
    # A question beyond the lesson: the offline tutor would decline, so nothing goes on top.
    asked = "what is the capital of France?"
    for reason, words in (("length", "length limit"), ("content_filter", "content filter")):
        backend = FunctionBackend(script(Scripted("Partial", finish_reason=reason)))
        events = await run(TutorSession(backend), asked)
        notice = next(e for e in events if isinstance(e, Notice))
        assert words in notice.message and events[-1].status == "cut_off"


async def test_a_reply_cut_at_the_length_limit_gets_the_lessons_answer_on_top() -> None:
    """A small model rambling past its budget on a try-it prompt: the step's content still
    reaches the learner (the lesson's answer, complete, on top) and the step counts."""
    step = load_pack().steps[0].prompt
    backend = FunctionBackend(script(Scripted("The roles are many and", finish_reason="length")))
    session = TutorSession(backend)
    events = await run(session, step)
    done = events[-1]
    assert done.status == "complete" and session.guided_step == 1
    assert not any(isinstance(e, Notice) for e in events)
    fallback = next(e for e in events if isinstance(e, LessonFallback))
    assert "ran past the answer length limit" in fallback.reason
    assert "Data engineers" in done.text and "The roles are many and" in done.text


async def test_empty_and_huge_messages_never_reach_the_model() -> None:
    backend = FunctionBackend(script(Scripted("hi")))
    session = TutorSession(backend, limits=Limits(max_message_chars=100))
    empty = await run(session, " \n\t ")
    huge = await run(session, "x" * 101)
    assert [type(e) for e in empty] == [Notice] and empty[0].kind == "empty"
    assert huge[0].kind == "too_long" and "100" in huge[0].message
    assert backend.requests == [] and session.history == []


async def test_control_characters_are_stripped_and_unicode_kept() -> None:
    backend = FunctionBackend(script(Scripted("ok")))
    session = TutorSession(backend)
    await run(session, "caf\u0065\u0301 \x00\x07 数据 🚀")
    human = next(m for m in backend.requests[0] if isinstance(m, HumanMessage))
    assert learner_text(human) == "café  数据 🚀"


async def test_one_system_message_first_and_the_context_note_ends_the_last_learner_turn() -> None:
    backend = FunctionBackend(script(Scripted("ok")))
    session = TutorSession(backend)
    await run(session, "one")
    await run(session, "/next")
    first, second = backend.requests
    assert first[0] == second[0] and isinstance(first[0], SystemMessage)
    assert [isinstance(m, SystemMessage) for m in second].count(True) == 1
    last = second[-1]
    assert isinstance(last, HumanMessage) and CONTEXT_OPEN in last.text
    assert "try-it prompt 1 of 3" in last.text
    assert learner_text(last) == session.pack.steps[0].prompt
    # An earlier turn is sent again exactly as it was first sent, note included, so the
    # previous request is the new one's prefix (what providers cache).
    assert second[1].text == first[1].text and learner_text(second[1]) == "one"
    assert session.history[0].text == "one"  # the note is never kept as the learner's words


def test_history_window_is_compacted_rarely_and_never_splits_a_turn() -> None:
    history = [HumanMessage(f"q{i}") for i in range(30)]
    windows = [history_window(history[:n], 8)[0] for n in range(1, 31)]
    sizes = [len(w) for w in windows]
    assert max(sizes) == 8 and min(sizes[8:]) == 2  # compacted to the last turn + the new one
    window, dropped = history_window(history, 8)
    assert isinstance(window[0], HumanMessage) and dropped + len(window) == 30
    compactions = [n for n, (a, b) in enumerate(pairwise(windows), 2) if b[0] is not a[0]]
    assert compactions == [9, 16, 23, 30]  # every 7 turns (8 minus the one kept)
    # Between compactions the window is only appended to.
    assert all(b[: len(a)] == a for a, b in pairwise(windows) if b[0] is a[0])


async def test_next_prompt_walks_three_steps_then_says_done() -> None:
    backend = FunctionBackend(script(Scripted("answer")))
    session = TutorSession(backend)
    sent = []
    for _ in range(3):
        await run(session, "/next")
        human = [m for m in backend.requests[-1] if isinstance(m, HumanMessage)][-1]
        sent.append(learner_text(human))
    assert sent == [s.prompt for s in session.pack.steps]
    done = await run(session, "/next")
    assert "completed all three" in text_of(done)
    # Step 2 and 3 also showed the demo and the team planner, run by the engine itself.
    assert len(backend.requests) == 3


async def test_turns_and_progress_are_stored_and_resumed(tmp_path) -> None:
    store = Store(tmp_path / "t.db")
    backend = FunctionBackend(script(Scripted("first answer")))
    session = TutorSession(backend, store=store)
    await run(session, "/next")
    await run(session, "/next")  # step 2: the engine's demo run, then the model's words
    resumed = TutorSession(backend, store=Store(tmp_path / "t.db"), session_id=session.id)
    assert resumed.guided_step == 2
    # The same conversation on another process: tool calls and results included.
    assert [(type(m).__name__, m.text) for m in resumed.history] == [
        (type(m).__name__, m.text) for m in session.history
    ]
    assert any(getattr(m, "tool_calls", None) for m in resumed.history)
    rows = store.transcript(session.id)
    assert [r.status for r in rows if r.role == "assistant"] == ["complete", "complete"]


async def test_secrets_are_redacted_from_notices() -> None:
    key = "sk-SENTINEL-abc"
    backend = FunctionBackend(script(Scripted("", error=ProviderError("auth", f"bad {key}"))))
    events = await run(TutorSession(backend, limits=Limits(secrets=(key,))), "hi")
    notice = next(e for e in events if isinstance(e, Notice))
    assert key not in notice.message and "[redacted]" in notice.message


async def test_a_placeholder_key_does_not_cut_the_learners_words() -> None:
    """Local servers accept any key, so people set OPENAI_API_KEY=x: the learner's "next
    month" must reach the model whole. A real key pasted in a message is still hidden, as a
    whole token (not inside a longer word)."""
    key = "sk-proj-SENTINEL-7f3a"
    backend = FunctionBackend(script(Scripted("ok")))
    session = TutorSession(backend, limits=Limits(secrets=("x", key)))
    await run(session, f"Chen leaves next month; my key is {key}, not {key}2")
    sent = learner_text(backend.requests[-1][-1])
    assert sent == f"Chen leaves next month; my key is [redacted], not {key}2"


async def test_commands_do_not_call_the_model() -> None:
    backend = FunctionBackend(script(Scripted("x")))
    session = TutorSession(backend)
    for command in ("/progress", "/help", "/bogus"):
        events = await run(session, command)
        assert isinstance(events[-1], TurnDone) and events[-1].status == "command"
    assert backend.requests == []
