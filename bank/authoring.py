"""Helpers for people writing question packs: a filled-in template to start from."""

from __future__ import annotations

import re
from pathlib import Path

from bank.checks import CHECKS_DIR
from bank.loader import BUILTIN_DIR, collect
from bank.schema import ID_PATTERN, Category


class TemplateError(ValueError):
    pass


_TEMPLATE = """\
# A drillbot question. Replace every line marked TODO, then run `drillbot bank validate {folder}`
# and `drillbot bank try {qid}` (with this folder in DRILLBOT_QUESTION_PACKS) to see how answers score.
questions:
- id: {qid}
  category: {category}
  # 1: one idea, answerable from fundamentals. 2: a design choice with trade-offs. 3: several
  # interacting trade-offs, numbers, or a failure only experience teaches.
  difficulty: 2
  prompt: >-
    TODO: the question as an interviewer would ask it, in one or two sentences. Say what the
    candidate should cover ("and how would you measure it?") so the rubric is fair.
  model_answer: >-
    TODO: a strong answer of 120 to 250 words, written the way a senior engineer would say it out
    loud. Lead with the decision or the core idea, then the reasons, then the trade-offs and how
    you would know it works in production. Every rubric criterion below should be visibly met by
    a sentence of this answer, and nothing in it should be a claim you would not defend in an
    interview. Use plain words and the vocabulary a practitioner would use, because the offline
    judge matches an answer's sentences against the key phrases of each criterion. Keep numbers
    checkable: if the question asks for arithmetic, show the steps and state the final figure with
    its unit so a criterion can carry that number once, on the final step of the calculation.
  rubric:
  # 3 to 6 criteria, one idea each. Weight 3 for the heart of the answer, 1 for a nice-to-have.
  # Key phrases are short phrases a good answer uses and a wrong one does not: avoid single
  # generic words such as "cost", "latency" or "output".
  - id: core-idea
    text: TODO what a good answer must explain first.
    weight: 3
    key_phrases: [TODO specific phrase, TODO another phrase]
  - id: trade-off
    text: TODO the main trade-off it should name.
    weight: 2
    key_phrases: [TODO specific phrase, TODO another phrase]
  - id: measure
    text: TODO how the candidate would know it works.
    weight: 1
    key_phrases: [TODO specific phrase, TODO another phrase]
  # For arithmetic, add `number: 1234.5` (and optionally `tolerance: 0.02`) to the final step only.
  probing: >-
    TODO: one sentence on what this question reveals about the candidate.
  follow_ups:
  - prompt: TODO a follow-up that goes one level deeper.
    rubric:
    - id: deeper
      text: TODO what a good reply to the follow-up says.
      key_phrases: [TODO specific phrase]
  - prompt: TODO a follow-up that probes authorship, e.g. what did you personally decide, and why?
    rubric:
    - id: ownership
      text: Names a decision they made themselves and the evidence it rested on.
      key_phrases: [i decided, i chose, my call]
  tags: [TODO]
"""

_CHECKS = """\
# Paraphrases for `drillbot bank validate`: a correct answer in other words than the model answer,
# which the offline judge must score at least 7. It proves the rubric rewards the idea, not the wording.
paraphrases:
  {qid}: >-
    TODO: answer the question again, correctly, in your own different words (at least 20 words).
"""


def write_template(category: str, qid: str, folder: Path) -> Path:
    """Write `<folder>/<qid>.yaml` and `<folder>/checks/<qid>.yaml`; refuse to overwrite anything."""
    if category not in {c.value for c in Category}:
        raise TemplateError(f"unknown category {category!r}; choose one of: {', '.join(c.value for c in Category)}")
    if not re.fullmatch(ID_PATTERN, qid):
        raise TemplateError(f"id {qid!r} must be lowercase letters, digits, '-', '_' or '.', 2-64 characters")
    bank, _ = collect([BUILTIN_DIR])
    if bank.get(qid) is not None:
        raise TemplateError(f"id {qid!r} is already a built-in question; pick another")
    path = folder / f"{qid}.yaml"
    checks = folder / CHECKS_DIR / f"{qid}.yaml"
    for target in (path, checks):
        if target.exists():
            raise TemplateError(f"{target} already exists; not overwriting it")
    checks.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_TEMPLATE.format(qid=qid, category=category, folder=folder), encoding="utf-8")
    checks.write_text(_CHECKS.format(qid=qid), encoding="utf-8")
    return path
