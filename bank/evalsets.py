"""Load labelled answer sets (YAML or JSON) and resolve their questions against the bank."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from bank.loader import Bank, read_yaml
from bank.schema import EvalAnswer, EvalSet, Question


class EvalSetError(Exception):
    pass


@dataclass
class LoadedSet:
    name: str
    path: str
    scale: float
    questions: dict[str, Question]
    answers: list[EvalAnswer]


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml", ".json"))
        elif p.exists():
            out.append(p)
        else:
            raise EvalSetError(f"{p}: no such file or directory")
    if not out:
        raise EvalSetError("no eval set files found in " + ", ".join(map(str, paths)))
    return out


def load_evalset(path: Path, bank: Bank | None = None) -> LoadedSet:
    try:
        raw = read_yaml(path)
        if not isinstance(raw, dict):  # pydantic would say only "Input should be a valid dictionary"
            shape = "is empty" if raw is None else f"holds a {type(raw).__name__}"
            raise EvalSetError(f"{path}: the file {shape}; expected a mapping with name:, answers: and "
                               "optionally questions: (docs/evaluation.md)")
        evalset = EvalSet.model_validate(raw)
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{path}: not valid YAML/JSON: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'set'}: {e['msg']}" for e in exc.errors()[:10])
        raise EvalSetError(f"{path}: {problems}") from None
    questions: dict[str, Question] = {q.id: q for q in evalset.questions}
    for answer in evalset.answers:
        if answer.question not in questions:
            found = bank.get(answer.question) if bank is not None else None
            if found is None:
                raise EvalSetError(f"{path}: answer {answer.id} references unknown question {answer.question!r}")
            questions[answer.question] = found
    return LoadedSet(evalset.name, str(path), evalset.scale, questions, evalset.answers)


def load_evalsets(paths: list[Path], bank: Bank | None = None) -> list[LoadedSet]:
    return [load_evalset(f, bank) for f in _files(paths)]
