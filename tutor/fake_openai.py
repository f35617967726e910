"""A loopback fake OpenAI-compatible server, for tests and benchmarks.

It speaks Chat Completions with SSE streaming, records every request it receives, and can
be told how to answer each one (text, tool calls, faults) and how slowly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """How to answer one request. `fault` makes it misbehave instead."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"name", "arguments": str}
    finish_reason: str | None = None
    #: "status" (send `status` with `body`), "cut" (drop the stream midway), "empty_choices"
    #: (a chunk with no choices first), "hang" (never answer)
    fault: str | None = None
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int | None = None


Responder = Callable[[dict[str, Any]], Reply]


def echo_responder(request: dict[str, Any]) -> Reply:
    """Answers with a short text that quotes the last user message."""
    last = next((m for m in reversed(request["messages"]) if m["role"] == "user"), None)
    said = last["content"] if last else ""
    return Reply(text=f"You said: {said if isinstance(said, str) else said!r}")


class FakeOpenAI:
    """Start with `with FakeOpenAI() as fake:`; point a client at `fake.base_url`."""

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        latency: float = 0.0,
        chunk_delay: float = 0.0,
        chunk_chars: int = 8,
    ) -> None:
        self.responder: Responder = responder or echo_responder
        self.script: list[Reply] = []
        self.latency = latency
        self.chunk_delay = chunk_delay
        self.chunk_chars = chunk_chars
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
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
                reply = fake.next_reply(request)
                if fake.latency:
                    time.sleep(fake.latency)
                if reply.fault == "hang":
                    time.sleep(3600)
                if reply.fault == "status":
                    self._json(
                        reply.status, reply.body or {"error": {"message": "fault"}}, reply.headers
                    )
                    return
                if request.get("stream"):
                    self._stream(request, reply)
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
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                chunks = stream_chunks(request, reply, fake.chunk_chars)
                cut_at = len(chunks) // 2 if reply.fault == "cut" else None
                for index, chunk in enumerate(chunks):
                    if cut_at is not None and index == cut_at:
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        return
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    if fake.chunk_delay:
                        time.sleep(fake.chunk_delay)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler


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
