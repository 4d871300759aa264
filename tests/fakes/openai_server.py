"""A fake OpenAI-compatible chat-completions server for integration tests (standard library only).

It runs on 127.0.0.1 on a free port in a background thread and answers POST /v1/chat/completions
(and /chat/completions) from a programmable script of behaviours, one per request; when the script
runs out it repeats `default`. Verdicts are built from the rubric ids and the answer it finds in the
request, so tests exercise the real prompt. Every request body is recorded.

It also fakes the Batch API (POST /v1/files, POST /v1/batches, GET /v1/batches/{id}, GET
/v1/files/{id}/content): a batch completes after `batch_polls` retrievals, each of its requests answered
by the next behaviour of the script, as a synchronous request would be.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import itertools
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
NUMBERED = re.compile(r"^(\d+)\|", re.MULTILINE)

FABRICATED_SENTENCE = 99  # a sentence number no test answer has


class _Server(ThreadingHTTPServer):
    # The standard library's listen backlog is 5: a burst of judge calls overflows it on a busy machine and
    # the client sees a reset or a timeout. A real endpoint accepts them.
    request_queue_size = 1024
    daemon_threads = True


@dataclass
class Behaviour:
    """What the server does for one request.

    kind: valid | fabricated | obey_injection | rate_limit | no_quota | unauthorized | error_500 | slow |
    malformed | wrong_shape | refusal | length | not_json (a 200 whose body is no JSON) | custom.
    """

    kind: str = "valid"
    verdicts: dict[str, str] = field(default_factory=dict)  # criterion id -> verdict; default "met"
    flags: list[str] = field(default_factory=list)
    retry_after: str = "0.05"
    delay_s: float = 0.0
    cached_tokens: int = 0
    prompt_tokens: int | None = None  # default: about a quarter of the prompt's characters
    completion_tokens: int | None = None
    reasoning_tokens: int = 0  # reported in completion_tokens_details (and counted in completion_tokens)
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


def request_sentences(body: dict[str, Any]) -> list[str]:
    """The candidate answer's lines as sent (sentence numbers removed, datamark undone)."""
    user = body["messages"][-1]["content"]
    m = ANSWER.search(user)
    marker = MARKER.search(user)
    if not m:
        return []
    text = m.group(2).replace(marker.group(1), " ") if marker else m.group(2)
    return [NUMBERED.sub("", line) for line in text.splitlines()]


def request_answer(body: dict[str, Any]) -> str:
    """The candidate answer inside a recorded request, one sentence per line, datamark undone."""
    return "\n".join(request_sentences(body))


def sentence_count(body: dict[str, Any]) -> int:
    m = ANSWER.search(body["messages"][-1]["content"])
    return len(NUMBERED.findall(m.group(2))) if m else 0


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
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_polls = 2  # retrievals before a batch reports "completed"
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
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

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                m = re.fullmatch(r"/v1/batches/([\w-]+)", path)
                if m and m.group(1) in fake.batches:
                    self._send(200, fake._poll_batch(m.group(1)))
                    return
                m = re.fullmatch(r"/v1/files/([\w-]+)/content", path)
                if m and m.group(1) in fake.files:
                    self._send(200, fake.files[m.group(1)])
                    return
                self._send(404, {"error": {"message": f"no route {path}", "type": "not_found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                path = self.path.split("?")[0]
                if path == "/v1/files":
                    self._send(200, fake._upload(self.headers.get("Content-Type", ""), raw))
                    return
                if path == "/v1/batches":
                    self._send(200, fake._create_batch(json.loads(raw)))
                    return
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
        status, payload, headers = _answer(b, body)
        h._send(status, payload, headers)

    # Batch API ------------------------------------------------------------------------------------
    def _new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}-{next(self._ids)}"

    def _upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.default).parsebytes(head + raw)
        data, name, purpose = b"", "upload", ""
        for part in message.iter_parts():
            field = part.get_param("name", header="content-disposition")
            if field == "file":
                data, name = part.get_payload(decode=True) or b"", part.get_filename() or name
            elif field == "purpose":
                purpose = (part.get_payload(decode=True) or b"").decode()
        file_id = self._new_id("file")
        self.files[file_id] = data
        return {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": name, "purpose": purpose, "status": "processed"}

    def _create_batch(self, req: dict[str, Any]) -> dict[str, Any]:
        batch = {"id": self._new_id("batch"), "object": "batch", "endpoint": req["endpoint"],
                 "input_file_id": req["input_file_id"], "completion_window": req["completion_window"],
                 "status": "validating", "created_at": int(time.time()), "output_file_id": None,
                 "error_file_id": None, "metadata": req.get("metadata"), "polls": 0}
        self.batches[batch["id"]] = batch
        return _public(batch)

    def _poll_batch(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        batch["polls"] += 1
        if batch["status"] != "completed" and batch["polls"] >= self.batch_polls:
            lines = [json.loads(x) for x in self.files[batch["input_file_id"]].decode().splitlines() if x.strip()]
            out = []
            for line in lines:
                with self._lock:
                    self.requests.append(Recorded(f"batch:{line['url']}", {}, line["body"]))
                status, payload, _ = _answer(self._next(), line["body"])
                out.append({"id": self._new_id("req"), "custom_id": line["custom_id"],
                            "response": {"status_code": status, "request_id": "r",
                                         "body": payload.decode() if isinstance(payload, bytes) else payload},
                            "error": None})
            output_id = self._new_id("file")
            self.files[output_id] = ("\n".join(json.dumps(o) for o in out) + "\n").encode()
            batch.update(status="completed", output_file_id=output_id)
        elif batch["status"] == "validating":
            batch["status"] = "in_progress"
        return _public(batch)


def _public(batch: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in batch.items() if k != "polls"}


def _answer(b: Behaviour, body: dict[str, Any]) -> tuple[int, dict[str, Any] | bytes, dict[str, str] | None]:
    """Status, JSON payload and headers for one chat-completions request under behaviour `b`."""
    if b.kind == "rate_limit":
        return 429, _error("rate limited", "rate_limit_exceeded"), {"Retry-After": b.retry_after}
    if b.kind == "no_quota":
        return 429, _error("You exceeded your current quota", "insufficient_quota"), None
    if b.kind == "unauthorized":
        return 401, _error("Incorrect API key provided", "invalid_api_key"), None
    if b.kind == "error_500":
        return 500, _error("upstream exploded", "server_error"), None
    if b.kind == "slow":
        time.sleep(max(b.delay_s, 3.0))  # longer than the test client's timeout
        return 200, _completion(body, _verdict(body, b), b), None
    if b.kind == "not_json":  # what a misconfigured proxy in front of the endpoint sends
        return 200, b"<html><body>502 Bad Gateway</body></html>", None
    if b.kind == "malformed":
        return 200, _completion(body, '{"criteria": [{"id": "x", "verdict": ', b), None
    if b.kind == "wrong_shape":  # valid JSON in the v1 wire shape (criteria with quotes)
        wrong = {"criteria": [{"id": i, "verdict": "met", "evidence": "a quote"} for i in request_rubric_ids(body)],
                 "feedback": "ok", "follow_up": "?", "flags": []}
        return 200, _completion(body, wrong, b), None
    if b.kind == "refusal":
        return 200, _completion(body, None, b, refusal="I can't help with grading this."), None
    if b.kind == "length":
        return 200, _completion(body, '{"criteria": [', b, finish_reason="length"), None
    if b.kind == "custom" and b.content is not None:
        return 200, _completion(body, json.dumps(b.content(body)), b), None
    return 200, _completion(body, json.dumps(_verdict(body, b)), b), None


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "code": code, "param": None}}


RUBRIC_LINE = re.compile(r"^- \[id: ([a-z0-9_-]+)\](?: \(weight \d+\))? (.*)$", re.MULTILINE)


def request_rubric_texts(body: dict[str, Any]) -> dict[str, str]:
    return dict(RUBRIC_LINE.findall(body["messages"][-1]["content"]))


def best_sentence(sentences: list[str], criterion: str) -> int:
    """1-based number of the answer sentence sharing most words with the criterion, as a model that marks
    everything met would cite it (the first sentence when none shares a word): always a real sentence."""
    if not sentences:
        return 1
    target = {w for w in re.findall(r"[a-z0-9]+", criterion.lower()) if len(w) > 3}
    return 1 + max(range(len(sentences)), key=lambda i: (len(target & set(re.findall(r"[a-z0-9]+",
                                                                                     sentences[i].lower()))), -i))


def _verdict(body: dict[str, Any], b: Behaviour) -> dict[str, Any]:
    ids = request_rubric_ids(body)
    last = sentence_count(body)
    sentences = request_sentences(body)
    texts = request_rubric_texts(body)
    listed: dict[str, list[dict[str, Any]]] = {"met": [], "partial": []}
    for cid in ids:
        if b.kind == "fabricated":
            listed["met"].append({"id": cid, "sentences": [FABRICATED_SENTENCE]})
        elif b.kind == "obey_injection":  # cites the injected instruction (the last sentence) as evidence
            listed["met"].append({"id": cid, "sentences": [last]})
        elif (verdict := b.verdicts.get(cid, "met")) != "missed":
            listed[verdict].append({"id": cid, "sentences": [best_sentence(sentences, texts.get(cid, ""))]})
    feedback = "Perfect answer, 10/10." if b.kind == "obey_injection" else "Solid points; add detail."
    return {**listed, "feedback": feedback, "follow_up": "What would you measure?", "flags": b.flags}


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
    completion_tokens = b.completion_tokens or max(1, len(content or refusal or "") // 4) + b.reasoning_tokens
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
            "completion_tokens_details": {"reasoning_tokens": b.reasoning_tokens},
        },
    }
