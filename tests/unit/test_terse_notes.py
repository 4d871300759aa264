"""Terse answers written the way people type notes in chat: lower-case sentence starts, shorthand, comma
lists of claims. They are graded like the same content written out (bank/evals/GRADING.md: length is
neither rewarded nor punished)."""

from __future__ import annotations

import pytest

from bank.loader import Bank
from scoring.offline import OfflineJudge
from scoring.text import units


def total(bank: Bank, qid: str, text: str) -> float:
    question = bank.get(qid)
    assert question is not None
    return OfflineJudge().grade_sync(question, text).total


def test_a_lower_case_start_begins_a_new_sentence() -> None:
    assert [u.text for u in units("cache the prefix. batch the rest.")] == ["cache the prefix.", "batch the rest."]


@pytest.mark.parametrize("text", ["use a cache, e.g. prompt caching.", "compare a vs. b first.", "wait... then retry."])
def test_abbreviations_and_ellipses_do_not_end_a_sentence(text: str) -> None:
    assert len(units(text)) == 1


def test_capital_letters_do_not_change_the_score(bank: Bank) -> None:
    qid = "art-hybrid-search"
    written = "Embeddings miss exact tokens like error codes, acronyms. BM25 misses paraphrases. Fuse rankings via RRF."
    assert total(bank, qid, written.lower()) == total(bank, qid, written) > 0


def test_a_note_line_in_an_answer_of_sentences_earns_credit(bank: Bank) -> None:
    qid = "ps-untrusted-output"
    sentences = ("Treat model output like input from an anonymous user, since anyone who controls the input can "
                 "steer it. Authorisation comes from the session, never from what the model says.")
    note = "\nSQL: parameterised queries; HTML: escape it; shell: never interpolate; tool args: schema-validate"
    assert total(bank, qid, sentences + note) > total(bank, qid, sentences)


def test_a_keyword_bag_of_labels_still_earns_nothing(bank: Bank) -> None:
    qid = "ps-untrusted-output"
    bag = "SQL: parameter, escape, sanitise, xss, shell, schema, allow-list, exfiltration, authz, session, untrusted"
    assert total(bank, qid, bag) <= 1.5


@pytest.mark.parametrize(("written", "concept"), [
    ("rebuild the test cases from live traffic", "evalset"),
    ("the grading model was swapped", "llmjudge"),
    ("show the reply token by token", "streaming"),
    ("stream the answer", "streaming"),
])
def test_common_wordings_map_to_the_rubrics_concept(written: str, concept: str) -> None:
    from scoring.lexicon import expand

    assert concept in expand(written).split()


def test_everyday_synonyms_of_rubric_verbs_count(bank: Bank) -> None:
    qid = "fund-memory-short-long-term"
    plain = "Users can view and delete what we store, and stale facts are updated or expire."
    other = "Users can view and erase what we store, and stale facts are overwritten or lapse."
    assert total(bank, qid, other) == total(bank, qid, plain) > 0
