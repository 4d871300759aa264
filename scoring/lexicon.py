"""What people actually write: shorthand, abbreviations and paraphrases, mapped to shared concept words.

Two tables, both generic for AI engineering and everyday English (never written from eval answers):

- PHRASES: abbreviations and multi-word expressions rewritten to one concept token before stemming, on the
  rubric side and the answer side alike, so "TTFT", "time to first token" and "first-token latency" all
  count as the same word of a criterion (and a phrase counts once, not as three words it happens to share).
- SYNONYMS: single words used interchangeably; each stem maps to the first stem of its group.

An abbreviation with two common readings ("fp": floating point or false positive) becomes both concept
tokens: an extra token on the answer side never costs coverage, and the criterion decides which one counts.
"""

from __future__ import annotations

import re
from functools import lru_cache

# concept token: the ways people write it (lower case; spaces also match hyphens and slashes).
PHRASES: dict[str, tuple[str, ...]] = {
    # latency, throughput and serving
    "ttft": ("ttft", "time to first token", "first token latency", "time to the first token"),
    "tpot": ("tpot", "itl", "time per output token", "inter token latency", "per token latency"),
    "taillatency": ("p90", "p95", "p99", "p999", "p99.9", "tail latency", "95th percentile", "99th percentile",
                    "percentile latency", "slowest requests"),
    "throughput": ("qps", "rps", "tps", "tok/s", "tokens/s", "req/s", "queries per second",
                   "requests per second", "tokens per second", "throughput"),
    "keyvalue": ("kv", "k/v", "key value", "key/value"),
    "gqa": ("gqa", "mqa", "grouped query attention", "multi query attention"),
    "quantization": ("fp8", "fp16", "bf16", "int8", "int4", "4 bit", "8 bit", "quantization", "quantisation",
                     "quantized", "quantised", "quantize", "quantise"),
    "loadbalancer": ("lb", "lbs", "load balancer", "load balancers", "load balancing"),
    "outofmemory": ("oom", "out of memory"),
    "slo": ("slo", "slos", "sla", "slas", "service level objective", "service level agreement",
            "latency budget", "latency target"),
    "kubernetes": ("k8s", "kubernetes"),
    # retrieval
    "rag": ("rag", "retrieval augmented generation", "retrieval augmented"),
    "lexicalsearch": ("bm25", "tf idf", "tfidf", "keyword search", "lexical search", "sparse retrieval",
                      "full text search", "exact match search", "term matching"),
    "rrf": ("rrf", "reciprocal rank fusion", "rank fusion"),
    "ann": ("ann", "hnsw", "approximate nearest neighbour", "approximate nearest neighbor",
            "approximate nearest neighbours", "approximate nearest neighbors"),
    "vectorstore": ("vector db", "vector database", "vector store", "vector index", "vectordb"),
    "topk": ("top k", "topk", "top n"),
    # models and training
    "llm": ("llm", "llms", "large language model", "large language models"),
    "finetune": ("ft", "sft", "fine tune", "fine tuned", "fine tuning", "finetune", "finetuned", "finetuning",
                 "lora", "qlora"),
    "cot": ("cot", "chain of thought", "step by step reasoning"),
    "floatingpoint": ("floating point", "float32", "float16"),
    "falsepositive": ("false positive", "false positives", "false alarm", "false alarms", "false hit",
                      "false hits", "over blocking", "overblocking"),
    "falsenegative": ("fn", "fns", "false negative", "false negatives", "missed detection", "missed detections"),
    "mcp": ("mcp", "model context protocol"),
    "llmjudge": ("llm as a judge", "llm as judge", "llm judge", "model graded", "judge model", "grader model",
                 "model grader", "autograder", "auto grader", "grading model", "judging model", "model as a judge",
                 "model as judge"),
    "streaming": ("stream", "streams", "streaming", "streamed", "token by token", "as it is generated",
                  "as it's generated", "as they are generated", "as they're generated", "as tokens arrive"),
    # evaluation and shipping
    "evalset": ("eval set", "evaluation set", "test set", "golden set", "gold set", "golden dataset",
                "regression set", "benchmark set", "held out set", "holdout set", "eval suite", "test suite",
                "test cases", "test questions", "eval cases", "evaluation cases", "eval questions"),
    "abtest": ("a/b", "ab test", "a b test", "a/b test", "split test", "a/b testing", "ab testing"),
    "gradualrollout": ("canary", "canaries", "staged rollout", "gradual rollout", "progressive rollout",
                       "phased rollout", "percentage rollout", "ramp up"),
    "featureflag": ("feature flag", "feature flags", "feature toggle", "kill switch"),
    "rollback": ("rollback", "roll back", "rollbacks", "revert", "reverting"),
    "pullrequest": ("pr", "prs", "pull request", "pull requests", "merge request", "code review"),
    "ci": ("ci", "ci/cd", "cicd", "continuous integration"),
    "endtoend": ("e2e", "end to end"),
    "humanreview": ("hitl", "human in the loop", "human review", "manual review", "human approval",
                    "human sign off", "human check"),
    # safety and privacy
    "pii": ("pii", "personally identifiable information", "personal data", "personal information",
            "personal details", "phi"),
    "accesscontrol": ("rbac", "acl", "acls", "role based access control", "access control", "authz",
                      "authorization", "authorisation"),
    # A planted marker that reveals a leak, not a canary release.
    "canarytoken": ("canary string", "canary strings", "canary token", "canary tokens", "honeytoken", "honeytokens",
                    "honey token", "honey tokens"),
    "authentication": ("authenticate", "authenticates", "authenticated", "authentication", "log in", "logs in",
                       "logged in", "sign in", "signs in", "signed in"),
    "leastprivilege": ("least privilege", "least privileged", "minimal permissions", "minimum permissions",
                       "scoped permissions", "narrow permissions", "scoped credentials"),
    "opentelemetry": ("otel", "opentelemetry", "open telemetry"),
    "ttl": ("ttl", "ttls", "time to live", "expiry", "expiration"),
    "ux": ("ux", "user experience"),
    # everyday English: the contraction is how people type it ("I can't confirm that")
    "cannot": ("cannot", "can't", "can not", "unable to"),
}

# Shorthand for single words: a note-taker's "ctx" is the rubric's "context".
SHORTHAND: dict[str, str] = {
    "ctx": "context", "ctxs": "contexts", "perms": "permissions", "perm": "permission", "args": "arguments",
    "arg": "argument", "params": "parameters", "param": "parameter", "config": "configuration",
    "cfg": "configuration", "prod": "production", "env": "environment", "envs": "environments",
    "docs": "documents", "doc": "document", "msg": "message", "msgs": "messages", "req": "request",
    "reqs": "requests", "resp": "response", "tok": "tokens", "toks": "tokens", "mem": "memory",
    "perf": "performance", "auth": "authentication", "authn": "authentication", "info": "information",
    "db": "database", "dbs": "databases", "convo": "conversation", "convos": "conversations",
    "q": "question", "qs": "questions", "orig": "original", "eng": "engineering", "gen": "generation",
    "infra": "infrastructure", "repo": "repository", "repos": "repositories", "impl": "implementation",
    "algo": "algorithm", "avg": "average", "approx": "approximately", "temp": "temperature",
    "sys": "system", "obs": "observability", "mgmt": "management", "diff": "difference", "dup": "duplicate",
    "dupes": "duplicates", "dedup": "deduplicate", "dedupe": "deduplicate", "emb": "embedding",
    "embs": "embeddings", "vec": "vector", "vecs": "vectors", "idx": "index", "ver": "version",
    "vers": "versions", "w": "with", "wo": "without", "bc": "because", "b/c": "because", "dev": "development",
    "ops": "operations", "hr": "hour", "hrs": "hours", "min": "minimum", "max": "maximum", "est": "estimate",
    "calc": "calculate", "sec": "seconds", "secs": "seconds",
    "ms": "milliseconds", "mo": "month", "yr": "year", "num": "number", "lang": "language", "auto": "automatic",
}  # fmt: skip

# Words used interchangeably, in the field and in everyday English.
SYNONYMS: tuple[str, ...] = (
    "cache caching cached memoize memoise",
    "cost price pricing spend expense bill billing dollars money budget",
    "latency delay slowness lag",
    "llm model",
    "retrieval retrieve search lookup fetch",
    "evaluation eval evals benchmark",
    "hallucination hallucinate fabricate fabrication confabulation",
    "embedding embeddings vector vectors",
    "reduce cut lower decrease minimise minimize shrink trim smaller diminish decline drop divide halve shorten "
    "shorter fewer",
    "increase raise grow boost larger bigger rise multiply double lengthen",
    "monitor monitoring observe observability track tracking watch",
    "guardrail guardrails safeguard safeguards",
    "rerank reranker reranking reorder",
    "chunk chunks chunking split splitting segment",
    "human manual annotator annotators labeller labelers person people",
    "batch batching bulk",
    "cheap cheaper inexpensive",
    "fast faster quick quicker speedy rapid",
    "user users customer customers client clients",
    "error errors failure failures mistake mistakes fault faults bug bugs",
    "test tests testing",
    "prompt prompts instruction instructions",
    "tokens token",
    "accuracy correctness",
    "distillation distil distill distilled",
    "timeout timeouts deadline",
    "retry retries",
    "fallback fallbacks failover",
    "permission permissions privilege privileges",
    "credential credentials password passwords passphrase passphrases",
    "sanitize sanitise sanitization sanitisation escape escaping",
    "redact redaction scrub scrubbing mask masking anonymise anonymize anonymisation anonymization",
    "stale outdated obsolete",
    "fresh current recent",
    "wrong incorrect",
    "correct right accurate",
    "large big huge",
    "small tiny little",
    "slow slower sluggish",
    "begin start",
    "check verify validate confirm",
    "block reject refuse deny",
    "allow permit",
    "store persist save retain",
    "remove delete drop strip erase wipe purge",
    "update overwrite",
    "expire lapse",
    "replay rerun",
    "choose pick select",
    "problem issue",
    "goal objective target",
    "need require",
    "improve enhance",
    "metric metrics measure measurement",
    "alert alerts page paging notify alarm",
    "limit cap ceiling",
    "document documents article articles passage passages",
    "record log logging",
    "summary summarise summarize recap",
    "example examples",
    "risk danger hazard",
    "attack exploit",
    "tool function",
    "step stage phase",
    "version revision",
    "rule policy",
    "label annotate annotation",
    "grade score grading scoring",
    "leak expose exposure",
    "sequential serial",
    "parallel concurrent concurrently simultaneous",
    "forbidden prohibited disallowed banned",
    "sandbox isolate isolation",
    "conversation chat dialogue dialog",
    "history transcript",
    "stateless memoryless",
    "expensive costly pricey",
    "regression regress",
    "drift shift",
    "duplicate copy",
    "approve approval",
    "idempotent idempotency",
    "traffic load",
    "rank ranking",
    "vague ambiguous unclear fuzzy underspecified",
    "multistep multihop",
    "frequent common",
    "rare uncommon",
    "ignore disregard overlook",
    "share fraction proportion percentage",
    "image picture",
    "simulate simulator emulate",
)

_SPACE = r"[\s\-/]+"


def _phrase_pattern(phrase: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", phrase)]
    return _SPACE.join(parts)


_REPLACEMENTS: dict[str, list[str]] = {}
for _concept, _variants in PHRASES.items():
    for _v in _variants:
        _REPLACEMENTS.setdefault(_v, []).append(_concept)
_REPLACEMENTS.setdefault("fp", []).extend(["floatingpoint", "falsepositive"])
_ORDERED = sorted(_REPLACEMENTS, key=len, reverse=True)
_PHRASE_RE = re.compile(
    r"(?<![\w@])(?:" + "|".join(_phrase_pattern(v) for v in _ORDERED) + r")(?![\w@])", re.IGNORECASE
)
_LOOKUP = {re.sub(r"[\s\-/]+", " ", v): c for v, c in _REPLACEMENTS.items()}
_SHORT_RE = re.compile(r"(?<![\w@])(?:" + "|".join(re.escape(k) for k in SHORTHAND) + r")(?![\w@'])", re.IGNORECASE)


def _concepts(m: re.Match[str]) -> str:
    key = re.sub(r"[\s\-/]+", " ", m.group(0).lower())
    return " " + " ".join(_LOOKUP.get(key, [key])) + " "


@lru_cache(maxsize=16384)
def expand(text: str) -> str:
    """The text with shorthand spelled out and known phrases replaced by their concept tokens (for matching
    only: evidence is always quoted from the original text)."""
    text = _PHRASE_RE.sub(_concepts, text)
    return _SHORT_RE.sub(lambda m: SHORTHAND[m.group(0).lower()], text)
