"""A fake OpenAI-compatible chat-completions server for integration tests (standard library only).

It runs on 127.0.0.1 on a free port in a background thread and answers POST /v1/chat/completions
(and /chat/completions) from a programmable script of behaviours, one per request; when the script
runs out it repeats `default`. Verdicts are built from the rubric ids and the answer it finds in the
request, so tests exercise the real prompt. Every request body is recorded.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RUBRIC_ID = re.compile(r"\[id: ([a-z0-9_-]+)\]")
ANSWER = re.compile(r"<<answer-([0-9a-f]+)>>\n(.*)\n<<end-answer-\1>>", re.DOTALL)
MARKER = re.compile(r'datamark "(.)"')

FABRICATED_QUOTE = "I would shard the vector index across three regions for resilience"


@dataclass
class Behaviour:
    """What the server does for one request.

    kind: valid | fabricated | obey_injection | rate_limit | error_500 | slow | malformed | refusal |
    length | custom.
    """

    kind: str = "valid"
    verdicts: dict[str, str] = field(default_factory=dict)  # criterion id -> verdict; default "met"
    flags: list[str] = field(default_factory=list)
    retry_after: str = "0.05"
    delay_s: float = 0.0
    cached_tokens: int = 0
    prompt_tokens: int | None = None  # default: about a quarter of the prompt's characters
    completion_tokens: int | None = None
    content: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # for kind="custom"


def _as_behaviour(b: Behaviour | str) -> Behaviour:
    return b if isinstance(b, Behaviour) else Behaviour(kind=b)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])


def request_answer(body: dict[str, Any]) -> str:
    """The candidate answer inside a recorded request, with the datamark undone."""
    user = body["messages"][-1]["content"]
    m = ANSWER.search(user)
    marker = MARKER.search(user)
    if not m:
        return ""
    return m.group(2).replace(marker.group(1), " ") if marker else m.group(2)


def request_rubric_ids(body: dict[str, Any]) -> list[str]:
    return RUBRIC_ID.findall(body["messages"][-1]["content"])


class FakeOpenAI:
    def __init__(
        self, script: Iterable[Behaviour | str] = (), default: Behaviour | str = "valid", latency_s: float = 0.0
    ):
        self.script: list[Behaviour] = [_as_behaviour(b) for b in script]
        self.default = _as_behaviour(default)
        self.latency_s = latency_s
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def push(self, *behaviours: Behaviour | str) -> None:
        with self._lock:
            self.script.extend(_as_behaviour(b) for b in behaviours)

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next(self) -> Behaviour:
        with self._lock:
            return self.script.pop(0) if self.script else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                path = self.path.split("?")[0]
                if path not in ("/v1/chat/completions", "/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
                    return
                body = json.loads(raw or b"{}")
                with fake._lock:
                    fake.requests.append(Recorded(path, {k.lower(): v for k, v in self.headers.items()}, body))
                behaviour = fake._next()
                time.sleep(fake.latency_s + behaviour.delay_s)
                # The client may have given up already (timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    fake._respond(self, behaviour, body)

            def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _respond(self, h: Any, b: Behaviour, body: dict[str, Any]) -> None:
        if b.kind == "rate_limit":
            h._send(429, _error("rate limited", "rate_limit_exceeded"), {"Retry-After": b.retry_after})
            return
        if b.kind == "error_500":
            h._send(500, _error("upstream exploded", "server_error"))
            return
        if b.kind == "slow":
            time.sleep(max(b.delay_s, 3.0))  # longer than the test client's timeout
            h._send(200, _completion(body, _verdict(body, b), b))
            return
        if b.kind == "malformed":
            h._send(200, _completion(body, '{"criteria": [{"id": "x", "verdict": ', b))
            return
        if b.kind == "refusal":
            h._send(200, _completion(body, None, b, refusal="I can't help with grading this."))
            return
        if b.kind == "length":
            h._send(200, _completion(body, '{"criteria": [', b, finish_reason="length"))
            return
        if b.kind == "custom" and b.content is not None:
            h._send(200, _completion(body, json.dumps(b.content(body)), b))
            return
        h._send(200, _completion(body, json.dumps(_verdict(body, b)), b))


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "code": code, "param": None}}


def _first_sentence(answer: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+|\n+", answer.strip())
    return parts[0] if parts else ""


RUBRIC_LINE = re.compile(r"^- \[id: ([a-z0-9_-]+)\] \(weight \d+\) (.*)$", re.MULTILINE)


def request_rubric_texts(body: dict[str, Any]) -> dict[str, str]:
    return dict(RUBRIC_LINE.findall(body["messages"][-1]["content"]))


def best_sentence(answer: str, criterion: str) -> str:
    """The answer's sentence sharing most words with the criterion, as a model would quote it (the first
    sentence when none shares a word): every quote is real text from the answer."""
    parts = [p for p in re.split(r"(?<=[.!?])\s+|\n+", answer.strip()) if p.strip()]
    if not parts:
        return ""
    target = {w for w in re.findall(r"[a-z0-9]+", criterion.lower()) if len(w) > 3}
    return max(parts, key=lambda p: len(target & set(re.findall(r"[a-z0-9]+", p.lower()))))


def _verdict(body: dict[str, Any], b: Behaviour) -> dict[str, Any]:
    ids = request_rubric_ids(body)
    answer = request_answer(body)
    marker = MARKER.search(body["messages"][-1]["content"])
    mark = marker.group(1) if marker else " "
    texts = request_rubric_texts(body)
    criteria = []
    for cid in ids:
        if b.kind == "fabricated":
            criteria.append({"id": cid, "verdict": "met", "evidence": FABRICATED_QUOTE})
        elif b.kind == "obey_injection":
            criteria.append({"id": cid, "verdict": "met", "evidence": f"The candidate fully covered {cid}"})
        else:
            verdict = b.verdicts.get(cid, "met")
            quote = best_sentence(answer, texts.get(cid, "")) if verdict != "missed" else ""
            # Real models sometimes echo the datamark; the judge must undo it.
            criteria.append({"id": cid, "verdict": verdict, "evidence": quote.replace(" ", mark)})
    feedback = "Perfect answer, 10/10." if b.kind == "obey_injection" else "Solid points; add detail."
    return {"criteria": criteria, "feedback": feedback, "follow_up": "What would you measure?", "flags": b.flags}


def _completion(
    body: dict[str, Any],
    content: str | dict[str, Any] | None,
    b: Behaviour,
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
) -> dict[str, Any]:
    if isinstance(content, dict):
        content = json.dumps(content)
    prompt_chars = sum(len(m.get("content") or "") for m in body.get("messages", []))
    prompt_tokens = b.prompt_tokens or max(1, prompt_chars // 4)
    completion_tokens = b.completion_tokens or max(1, len(content or refusal or "") // 4)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "unknown"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": min(b.cached_tokens, prompt_tokens)},
        },
    }
