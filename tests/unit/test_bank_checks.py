"""The graded bank checks: probes land where a rubric that grades what it claims puts them."""

from pathlib import Path

import yaml

from bank.authoring import TemplateError, write_template
from bank.checks import check_question, failures, keyword_list, load_paraphrases, negate
from bank.loader import load_bank
from scoring.offline import OfflineJudge


def test_negate_turns_every_claim_around() -> None:
    text = "Caching is cheap. Use a prefix. Teams can reuse it."
    assert negate(text) == "Caching is not cheap. It is not true that use a prefix. Teams can not reuse it."


def test_a_failing_probe_is_reported_with_the_criteria_at_fault() -> None:
    q = load_bank().get("evals-eval-set-size")
    assert q is not None
    good = check_question(q, q.model_answer, OfflineJudge())
    assert {r.check: r.passed for r in good if r.check != "negated"} == {
        "model_answer": True, "paraphrase": True, "keywords": True, "question_copy": True}
    # A criterion whose key phrases are plain words a keyword list repeats in sentence-like form.
    loose = q.model_copy(update={"rubric": [c.model_copy(update={"text": "Mentions noise.", "key_phrases": ["noise"]})
                                            if c.id == "not-significant" else c for c in q.rubric]})
    results = check_question(loose, "This answer is about something else entirely and says little.", OfflineJudge())
    para = next(r for r in results if r.check == "paraphrase")
    assert not para.passed and "criteria not met" in para.detail and "not-significant" in para.detail
    assert keyword_list(q).startswith("standard error, 1.96")


def test_strict_adds_the_negated_check() -> None:
    q = load_bank().get("fund-agentic-loop")
    assert q is not None
    results = check_question(q, None, OfflineJudge())
    assert [r.check for r in failures(results)] == ["paraphrase"]  # no paraphrase given
    negated = next(r for r in results if r.check == "negated")
    assert (negated in failures(results, strict=True)) == (not negated.passed)


def test_paraphrases_load_from_checks_folders_and_bad_entries_are_named(tmp_path: Path) -> None:
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "a.yaml").write_text(yaml.safe_dump({"paraphrases": {"x-1": "too short", "x-2": "w " * 25}}))
    found, problems = load_paraphrases([tmp_path])
    assert list(found) == ["x-2"] and "'x-1'" in problems[0]
    builtin, problems = load_paraphrases([Path("bank/questions")])
    assert problems == [] and "fund-agentic-loop" in builtin


def test_template_is_written_once_and_checked(tmp_path: Path) -> None:
    path = write_template("evals", "my-question", tmp_path)
    doc = yaml.safe_load(path.read_text())
    assert doc["questions"][0]["id"] == "my-question" and (tmp_path / "checks" / "my-question.yaml").exists()
    for bad in (("cooking", "x-1"), ("evals", "Bad Id"), ("evals", "my-question"), ("evals", "fund-agentic-loop")):
        try:
            write_template(bad[0], bad[1], tmp_path)
        except TemplateError:
            continue
        raise AssertionError(f"{bad} was accepted")
