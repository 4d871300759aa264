"""What each OpenAI model family accepts: reasoning effort, temperature, and how much output room to give.

Reasoning models (the gpt-5 family except the chat alias, and the o-series) reject `temperature`, spend
hidden reasoning tokens before they write, and bill those tokens as output. A verdict is about 150
tokens, so the output cap is sized for the reasoning first: too small a cap stops the model before it has
written any JSON (finish_reason "length").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Output room for a verdict on a model that does not reason: about 8x the ~150 tokens a verdict takes.
CHAT_MAX_OUTPUT = 1200


@dataclass(frozen=True)
class Family:
    name: str
    reasoning: bool
    lowest_effort: str | None  # the cheapest reasoning_effort the family accepts
    max_output_tokens: int  # reasoning + the verdict itself


CHAT = Family("chat", reasoning=False, lowest_effort=None, max_output_tokens=CHAT_MAX_OUTPUT)
GPT5 = Family("gpt-5", reasoning=True, lowest_effort="minimal", max_output_tokens=4000)
O_SERIES = Family("o-series", reasoning=True, lowest_effort="low", max_output_tokens=8000)

_GPT5 = re.compile(r"^gpt-5(?:\.\d+)?(?:-(?:mini|nano|pro|codex))?(?:-\d{4}-\d{2}-\d{2})?$")
_O_SERIES = re.compile(r"^o\d+(?:-[a-z]+)*(?:-\d{4}-\d{2}-\d{2})?$")


def family(model: str) -> Family:
    """The family of an OpenAI model name; anything unrecognised is treated as a chat model."""
    name = model.strip().lower().rsplit("/", 1)[-1]  # "openai/gpt-5-mini" on routers
    if _GPT5.match(name):
        return GPT5
    if _O_SERIES.match(name):
        return O_SERIES
    return CHAT
