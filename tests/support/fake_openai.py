"""A loopback fake OpenAI-compatible server, for tests and benchmarks.

It speaks Chat Completions with SSE streaming, records every request it receives, and can
be told how to answer each one (text, tool calls, faults) and how slowly.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tutor.backends.base import split_context_note


@dataclass
class Reply:
    """How to answer one request. `fault` makes it misbehave instead."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"name", "arguments": str}
    finish_reason: str | None = None
    #: "status" (send `status` with `body`), "cut" (end the stream cleanly midway, with no
    #: finish_reason and no [DONE]), "reset" (break the chunked body off midway: a transport
    #: error), "garbage" (a chunk that is not JSON midway), "error_event" (an SSE error object
    #: with `body` midway), "empty_choices" (a chunk with no choices first), "hang" (never
    #: answer)
    fault: str | None = None
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int | None = None
    #: seconds between chunks for this reply (None: the server's `chunk_delay`)
    chunk_delay: float | None = None
    #: stream this text again and again, never finishing (a model stuck in a loop)
    repeat: str | None = None
    #: send each tool call whole in one chunk without `index` (as Ollama does)
    whole_tool_calls: bool = False


Responder = Callable[[dict[str, Any]], Reply]


@dataclass(frozen=True)
class Strictness:
    """Request checks real servers make, answered with their HTTP 400s."""

    #: a system message anywhere but first (official Qwen3 / Mistral / Gemma templates)
    system_first: bool = False
    #: no `stream_options` (some older OpenAI-compatible servers)
    no_stream_options: bool = False
    #: no `tools` at all (llama-server without --jinja, many small proxies)
    no_tools: bool = False

    def refusal(self, request: dict[str, Any]) -> str | None:
        """The server's error message for `request`, or None when it is accepted."""
        roles = [m.get("role") for m in request.get("messages", [])]
        if self.system_first and "system" in roles[1:]:
            return "System message must be at the beginning."
        if self.no_stream_options and "stream_options" in request:
            return "Unrecognized request argument supplied: stream_options"
        if self.no_tools and "tools" in request:
            return "tools param requires --jinja flag"
        return None


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops connections when many learners call at once
    # (measured: 163 of 200 simultaneous requests failed); benchmarks send hundreds.
    request_queue_size = 512


def echo_responder(request: dict[str, Any]) -> Reply:
    """Answers with a short text that quotes the last user message."""
    said = learner_words(request)
    return Reply(text=f"You said: {said}")


def learner_words(request: dict[str, Any]) -> str:
    """The last learner message of a request, without the tutor app's context note."""
    last = next((m for m in reversed(request["messages"]) if m["role"] == "user"), None)
    said = last["content"] if last else ""
    return split_context_note(said)[0] if isinstance(said, str) else repr(said)


class FakeOpenAI:
    """Start with `with FakeOpenAI() as fake:`; point a client at `fake.base_url`."""

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        latency: float = 0.0,
        chunk_delay: float = 0.0,
        chunk_chars: int = 8,
        strict: Strictness | None = None,
    ) -> None:
        self.responder: Responder = responder or echo_responder
        self.strict = strict or Strictness()
        #: requests refused by `strict` (not passed to the responder)
        self.refused: list[dict[str, Any]] = []
        self.script: list[Reply] = []
        self.latency = latency
        self.chunk_delay = chunk_delay
        self.chunk_chars = chunk_chars
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for it, and tests start many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def close(self) -> None:
        self._closing.set()  # releases hanging replies
        self._server.shutdown()
        self._server.server_close()

    def next_reply(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.script:
                return self.script.pop(0)
        return self.responder(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def handle(self) -> None:
                # The client went away (a timeout, a closed stream): not worth a traceback.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                with fake._lock:
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                refusal = fake.strict.refusal(request)
                if refusal is not None:
                    with fake._lock:
                        fake.refused.append(request)
                    body = {"error": {"message": refusal, "type": "invalid_request_error"}}
                    self._json(400, body)
                    return
                reply = fake.next_reply(request)
                if fake.latency:
                    time.sleep(fake.latency)
                if reply.fault == "hang":
                    fake._closing.wait(3600)
                    return
                if reply.fault == "status":
                    self._json(
                        reply.status, reply.body or {"error": {"message": "fault"}}, reply.headers
                    )
                    return
                if request.get("stream"):
                    try:
                        self._stream(request, reply)
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True  # the client left mid-stream
                else:
                    self._json(200, completion(request, reply))

            def _json(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, request: dict[str, Any], reply: Reply) -> None:
                chunked = reply.fault == "reset"
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                delay = fake.chunk_delay if reply.chunk_delay is None else reply.chunk_delay
                if reply.repeat is not None:
                    self._repeat(request, reply.repeat, delay)
                    return
                chunks = stream_chunks(request, reply, fake.chunk_chars)
                midway = len(chunks) // 2
                for index, chunk in enumerate(chunks):
                    if index == midway and reply.fault in ("cut", "reset"):
                        # "cut": a clean end of the body; "reset": a chunked body that stops
                        # before its last chunk, which the client sees as a broken transfer.
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if index == midway and reply.fault in ("garbage", "error_event"):
                        self._write(fault_event(reply), chunked)
                    self._write(f"data: {json.dumps(chunk)}\n\n".encode(), chunked)
                    if delay:
                        time.sleep(delay)
                self._write(b"data: [DONE]\n\n", chunked)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                self.close_connection = True

            def _repeat(self, request: dict[str, Any], text: str, delay: float) -> None:
                """Stream `text` forever, until the client leaves or the server closes."""
                base = {**_base(request), "object": "chat.completion.chunk"}
                while not fake._closing.is_set():
                    delta = {"index": 0, "delta": {"content": text}, "finish_reason": None}
                    self._write(
                        f"data: {json.dumps({**base, 'choices': [delta]})}\n\n".encode(), False
                    )
                    time.sleep(delay or 0.001)
                self.close_connection = True

            def _write(self, data: bytes, chunked: bool) -> None:
                if chunked:
                    data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
                self.wfile.write(data)
                self.wfile.flush()

        return Handler


def fault_event(reply: Reply) -> bytes:
    """The bad SSE event a "garbage" or "error_event" reply sends midway."""
    if reply.fault == "garbage":
        return b"data: {not json\n\n"
    body = reply.body or {"error": {"message": "fault"}}
    return f"data: {json.dumps(body)}\n\n".encode()


def _base(request: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
    }


def usage(request: dict[str, Any], reply: Reply) -> dict[str, int]:
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = len(json.dumps(request.get("messages", []))) // 4
    completion_tokens = max(1, len(reply.text) // 4)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
    }


def stream_chunks(request: dict[str, Any], reply: Reply, size: int) -> list[dict[str, Any]]:
    base = {**_base(request), "object": "chat.completion.chunk"}

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [{**base, "choices": []}] if reply.fault == "empty_choices" else []
    chunks.append(choice({"role": "assistant", "content": ""}))
    text = reply.text
    chunks += [choice({"content": text[i : i + size]}) for i in range(0, len(text), size)]
    for index, call in enumerate(reply.tool_calls):
        args = call.get("arguments", "{}")
        if reply.whole_tool_calls:
            whole = {
                "id": call.get("id", f"call_{index}"),
                "type": "function",
                "function": {"name": call["name"], "arguments": args},
            }
            chunks.append(choice({"tool_calls": [whole]}))
            continue
        head = {
            "index": index,
            "id": call.get("id", f"call_{index}"),
            "type": "function",
            "function": {"name": call["name"], "arguments": ""},
        }
        chunks.append(choice({"tool_calls": [head]}))
        for i in range(0, len(args), size):
            piece = {"index": index, "function": {"arguments": args[i : i + size]}}
            chunks.append(choice({"tool_calls": [piece]}))
    finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    chunks.append(choice({}, finish))
    if (request.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "choices": [], "usage": usage(request, reply)})
    return chunks


def completion(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": c.get("id", f"call_{i}"),
                "type": "function",
                "function": {"name": c["name"], "arguments": c.get("arguments", "{}")},
            }
            for i, c in enumerate(reply.tool_calls)
        ]
    finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
    return {
        **_base(request),
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage(request, reply),
    }


def offline_model_responder(pack: Any = None) -> Any:
    """A responder that answers as the offline tutor would.

    It lets the eval and the benchmarks drive the real OpenAI client path (HTTP, SSE, tool-call
    pieces) with lesson-quality replies: the request's messages are read back into langchain
    messages and the offline backend decides the reply. Like a model, this fake knows only
    what the request holds, so it reads the turn's context out of the app's note and its own
    earlier words (the product never does: the engine hands its backends the context as data).
    """
    from langchain_core.messages import convert_to_messages

    from tutor.backends.offline import OfflineBackend
    from tutor.content.pack import load_pack

    pack = pack or load_pack()
    offline = OfflineBackend(pack)

    def respond(request: dict[str, Any]) -> Reply:
        messages = convert_to_messages(request.get("messages", []))
        tools = {t["function"]["name"] for t in request.get("tools", [])}
        if len(messages) == 1 and len(tools) == 1:
            # Told straight out to call the one tool it is offered (the backend's start-up
            # probe), a capable model calls it.
            return Reply(tool_calls=[{"name": tools.pop(), "arguments": "{}"}])
        reply = offline.respond(messages, tools, context_from_request(messages, pack))
        calls = [
            {"name": c["name"], "arguments": json.dumps(c["args"]), "id": f"call_{i}"}
            for i, c in enumerate(reply.tool_calls)
        ]
        return Reply(text=reply.text, tool_calls=calls)

    return respond


# The note's quiz line, or its word that no question waits any more (the newest one holds).
_WAITING = re.compile(
    r"A quiz question is waiting for an answer \(id ([^)\s]+)\)|No question is waiting"
)
_STATED = re.compile(r"(?:lesson's demo|planner's catalogue), \*\*(.+?)\*\* is owned by", re.I)
_LAST_STEP = re.compile(r"(?:last worked on|This message is) try-it prompt (\d+) of (\d+)")


def _latest(pattern: re.Pattern[str], notes: list[str]) -> re.Match[str] | None:
    """The newest match of `pattern` across the request's notes, oldest first."""
    found = [m for note in notes for m in pattern.finditer(note)]
    return found[-1] if found else None


def context_from_request(messages: list[Any], pack: Any) -> Any:
    """The turn context a model could infer from a request: the note, and the quick check
    its own previous words asked (the fake model's memory)."""
    from langchain_core.messages import AIMessage, HumanMessage

    from tutor.backends.context import OpenQuestion, TurnContext
    from tutor.engine.intent import IntentReader

    human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
    words, note = split_context_note(human.text) if human else ("", "")
    # A note restates only what changed: a state line holds until a later note replaces it.
    notes = [split_context_note(m.text)[1] for m in messages if isinstance(m, HumanMessage)]
    waiting = _latest(_WAITING, notes)
    step = _latest(_LAST_STEP, notes)
    done = int(step.group(1)) if step and "last worked on" in step.group(0) else 0
    quiz_id = waiting.group(1) if waiting else None
    open_question = OpenQuestion(kind="quiz", id=quiz_id) if quiz_id else None
    last_ai = next((m for m in reversed(messages[:-1]) if isinstance(m, AIMessage)), None)
    if open_question is None and last_ai is not None and messages[-1] is human:
        for check in pack.offline.checks:
            if check.question in " ".join(last_ai.text.split()):
                kind = "team" if check.planner else "check"
                open_question = OpenQuestion(kind=kind, id=check.quiz)
    stated = set(_STATED.findall(last_ai.text)) if last_ai is not None else set()
    # The plan's facts the note lists ("  - Ben owns on-call…"), answered as they stand.
    facts = [line[4:] for line in note.splitlines() if line.startswith("  - ")]
    return TurnContext(
        plan_answer=" ".join(facts) or None,
        steps_total=len(pack.steps),
        steps_done=done,
        open_question=open_question,
        subject=stated.pop() if len(stated) == 1 else None,
        reading=IntentReader(pack).reading(words),
    )
