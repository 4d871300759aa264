"""The single definition of a question, used by the bank, eval sets and the judges.

An eval-set question is the loose form (any category, rubric optional); a bank question is the
strict form the product ships (one of seven categories, 3-6 weighted criteria, a model answer of
120-250 words, what the interviewer probes for, follow-ups).
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{1,63}$"


class Category(StrEnum):
    fundamentals = "fundamentals"
    agents_rag_tools = "agents_rag_tools"
    evals = "evals"
    cost_model_selection = "cost_model_selection"
    system_design = "system_design"
    production_safety = "production_safety"
    behavioural = "behavioural"


CATEGORY_LABELS: dict[str, str] = {
    Category.fundamentals: "Fundamentals",
    Category.agents_rag_tools: "Agents, RAG & tools",
    Category.evals: "Evals",
    Category.cost_model_selection: "Cost & model selection",
    Category.system_design: "System design",
    Category.production_safety: "Production & safety",
    Category.behavioural: "Behavioural",
}


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())


class Criterion(BaseModel):
    """One rubric line. Key phrases and a number help the offline judge; the LLM judge reads the text."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    text: str = Field(min_length=3, max_length=240)
    weight: int = Field(default=1, ge=1, le=3)
    key_phrases: list[str] = Field(default_factory=list)
    # A checkable numeric core (cost arithmetic): met when the answer states this number.
    number: float | None = None
    tolerance: float = Field(default=0.02, ge=0, le=0.5)  # relative


class FollowUp(BaseModel):
    """A follow-up an interviewer asks after the first answer. With a rubric it can be graded on its own
    (mock interviews); a plain string in YAML is a follow-up without one."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=5)
    rubric: list[Criterion] = Field(default_factory=list, max_length=4)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: object) -> object:
        return {"prompt": value} if isinstance(value, str) else value

    def __str__(self) -> str:
        return self.prompt


class Question(BaseModel):
    """The loose question model shared with eval sets."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    category: str = Field(min_length=1)
    difficulty: int = Field(default=2, ge=1, le=3)
    prompt: str = Field(min_length=10)
    model_answer: str = Field(min_length=1)
    rubric: list[Criterion] = Field(default_factory=list)
    probing: str = ""
    follow_ups: list[FollowUp] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @field_validator("rubric")
    @classmethod
    def _unique_criterion_ids(cls, rubric: list[Criterion]) -> list[Criterion]:
        ids = [c.id for c in rubric]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate criterion id(s): {', '.join(dupes)}")
        return rubric

    def content_hash(self) -> str:
        """Stable hash of everything that affects grading; a new hash is a new version."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def word_count(text: str) -> int:
    return len(re.findall(r"\S+", text))


class BankQuestion(Question):
    """The strict form every shipped or pack question must satisfy."""

    category: Category  # type: ignore[assignment]
    rubric: list[Criterion] = Field(min_length=3, max_length=6)
    probing: str = Field(min_length=10)
    follow_ups: list[FollowUp] = Field(min_length=1, max_length=2)

    @field_validator("model_answer")
    @classmethod
    def _model_answer_length(cls, text: str) -> str:
        n = word_count(text)
        if not 120 <= n <= 250:
            raise ValueError(f"model answer must be 120-250 words, has {n}")
        return text


class EvalAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question: str
    text: str
    human_score: float
    tags: list[str] = Field(default_factory=list)


class EvalSet(BaseModel):
    """A labelled answer set. Answers may reference the set's own questions or, for sets written
    against the bank, bank question ids (resolved by `bank.evalsets.load_evalset`)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    source: str = ""
    scale: float = Field(default=10, gt=0)
    questions: list[Question] = Field(default_factory=list)
    answers: list[EvalAnswer]

    @model_validator(mode="after")
    def _scores_in_range(self) -> EvalSet:
        for a in self.answers:
            if not 0 <= a.human_score <= self.scale:
                raise ValueError(f"answer {a.id}: human_score {a.human_score} outside 0..{self.scale}")
        for kind, ids in (("answer", [a.id for a in self.answers]), ("question", [q.id for q in self.questions])):
            seen: set[str] = set()
            dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
            if dupes:
                # Answers name their question by id, so a repeated id makes the grading ambiguous.
                raise ValueError(f"duplicate {kind} id(s): {', '.join(dupes[:5])}")
        return self
