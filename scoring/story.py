"""The parts of a story that no key phrase can name in advance: a measured outcome and a lesson.

A behavioural question's rubric asks for "a measurable outcome" or a reflection, but every candidate's story
is different: the key phrases written from the model answer's story ("six weeks", "acceptance rose") do not
occur in anyone else's. What makes a sentence an outcome is its form, a figure with a change ("tickets fell
from 900 to 550", "shipped in 7 wks, ~90% of reps use it"); what makes it a reflection is its stance ("next
time", "in hindsight", "what I'd do differently"). Both are generic English, not taken from eval answers.
Only criteria whose own text asks for such a part use this; the usual checks (copied text, contradiction,
stuffing) still apply to the sentences it credits.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

StoryPart = Literal["outcome", "reflection", "both"]

# The criterion asks for a measured result ("Reports the measured outcome", "Gives a measurable result").
_ASKS_OUTCOME = re.compile(
    r"\b(?:measur\w*|numbers?|concrete|reports?|gives?|states?|describes?)\b.{0,40}\b(?:outcomes?|results?|impact|"
    r"consequences)\b|"
    r"\b(?:outcomes?|results?)\b.{0,30}\b(?:with\s+numbers|measur\w*)\b",
    re.IGNORECASE,
)
_ASKS_REFLECTION = re.compile(r"\b(?:reflect\w*|lessons?|hindsight|learned|learnt)\b", re.IGNORECASE)

# A figure: a number, a percentage, a multiple, money or a duration ("7 wks", "~90%", "3x", "$2k", "900").
# Not a version or a model name ("GPT-4", "v2", "3.5-turbo").
_FIGURE = re.compile(r"(?<![\w.\-])[~≈$€£]?\d[\d,.]*(?![\w.]*-)", re.IGNORECASE)
# A change or a delivered result.
_CHANGE = re.compile(
    r"\b(?:dropped|drop|fell|fall|rose|rise|grew|grow|cut|halved|doubled|tripled|reduced|reduces|increased|"
    r"decreased|improved|saved|saves|went|gone|came\s+down|down|up|shipped|launched|live|hit|reached|beat|"
    r"lifted|climbed|shrank|jumped|from|resolved|adopted|adoption|open|use[ds]?|using|vs|versus|beat|lost|won|"
    r"got|scored|failed|passed)\b|->|→|=>",
    re.IGNORECASE,
)
_REFLECTS = re.compile(
    r"\b(?:next\s+time|in\s+hindsight|hindsight|looking\s+back|in\s+retrospect|lessons?|learn(?:ed|t)|"
    r"taught\s+me|(?:i|we)\s+(?:would|'d|should)\s+(?:have|now|still|start|push|budget|involve|ask|weigh|"
    r"spend|set|plan|insist)|(?:i|we)'d\s+(?:have|now|still|start|push|budget|involve|ask|weigh|spend|set|"
    r"plan|insist)|(?:what|how)\s+(?:i|we)(?:'d|\s+would)\s+(?:change|do\s+differently)|do\s+differently|"
    r"(?:should|could)\s+have|underestimated|overestimated|takeaways?|(?:i|we)(?:'d|\s+would)?\s+take\s+away|what\s+(?:i|we)\s+took\s+away|(?:i|we)\s+took\s+away\s+(?:from|that)|principle|rule\s+of\s+thumb|"
    r"(?:today|now|these\s+days)\s*,?\s+(?:i|we)(?:'d|\s+would|\s+always)|(?:i|we)\s+now\s+(?:always|start|ask|build|"
    r"check|insist)|since\s+then\s+i)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)  # per criterion, asked for every answer
def asks_for(criterion_text: str) -> StoryPart | None:
    outcome = bool(_ASKS_OUTCOME.search(criterion_text))
    reflection = bool(_ASKS_REFLECTION.search(criterion_text))
    if outcome and reflection:
        return "both"
    return "outcome" if outcome else "reflection" if reflection else None


def is_outcome(sentence: str) -> bool:
    return bool(_FIGURE.search(sentence)) and bool(_CHANGE.search(sentence))


def is_reflection(sentence: str) -> bool:
    return bool(_REFLECTS.search(sentence))


def shows(part: StoryPart, sentences: list[str]) -> tuple[float, list[int]]:
    """How much of the part the sentences show (1.0 full, 0.5 half of a two-part criterion) and which
    sentences show it."""
    outcome = [i for i, s in enumerate(sentences) if is_outcome(s)]
    reflection = [i for i, s in enumerate(sentences) if is_reflection(s)]
    if part == "outcome":
        return (1.0 if outcome else 0.0), outcome
    if part == "reflection":
        return (1.0 if reflection else 0.0), reflection
    share = (0.5 if outcome else 0.0) + (0.5 if reflection else 0.0)
    return share, outcome + [i for i in reflection if i not in outcome]
