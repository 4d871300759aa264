"""Load and validate question packs (YAML files with a top-level `questions:` list)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from bank.schema import BankQuestion

BUILTIN_DIR = Path(__file__).parent / "questions"
# libyaml's loader when PyYAML has it: the bank is parsed at every start, and it is ~5x faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)


@dataclass(frozen=True)
class Problem:
    file: str
    question_id: str
    field: str
    message: str

    def __str__(self) -> str:
        if self.question_id == "-":  # about the whole file (unreadable, no questions list), not one question
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}: question {self.question_id!r}: {self.field}: {self.message}"


class BankError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"question bank has {len(problems)} problem(s):\n{lines}")


@dataclass
class Bank:
    questions: dict[str, BankQuestion] = field(default_factory=dict)
    source_of: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, qid: str) -> BankQuestion | None:
        return self.questions.get(qid)

    def all(self) -> list[BankQuestion]:
        return list(self.questions.values())

    def by_category(self, category: str) -> list[BankQuestion]:
        return [q for q in self.questions.values() if q.category == category]


def _yaml_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            files.append(p)
    return files


def _field_name(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "(question)"


def collect(paths: Iterable[Path]) -> tuple[Bank, list[Problem]]:
    """Load every file, returning the valid questions and every problem found (never raises)."""
    bank = Bank()
    problems: list[Problem] = []
    for path in _yaml_files(paths):
        name = str(path)
        try:
            doc = read_yaml(path)
        except FileNotFoundError:
            problems.append(Problem(name, "-", "file", "not found"))
            continue
        except yaml.YAMLError as exc:
            problems.append(Problem(name, "-", "file", f"not valid YAML: {exc}"))
            continue
        items = doc.get("questions") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            problems.append(Problem(name, "-", "questions", "expected a top-level 'questions:' list"))
            continue
        for index, raw in enumerate(items):
            qid = str(raw.get("id", f"#{index + 1}")) if isinstance(raw, dict) else f"#{index + 1}"
            try:
                question = BankQuestion.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    problems.append(Problem(name, qid, _field_name(err["loc"]), err["msg"]))
                continue
            if question.id in bank.questions:
                other = bank.source_of[question.id]
                problems.append(Problem(name, qid, "id", f"duplicate id (also in {other})"))
                continue
            bank.questions[question.id] = question
            bank.source_of[question.id] = name
    return bank, problems


def load_bank(extra_dirs: Iterable[Path | str] = (), *, include_builtin: bool = True) -> Bank:
    """Load the built-in bank plus team packs; raise BankError naming every problem."""
    paths = [BUILTIN_DIR] if include_builtin else []
    paths += [Path(p) for p in extra_dirs]
    bank, problems = collect(paths)
    if problems:
        raise BankError(problems)
    return bank
