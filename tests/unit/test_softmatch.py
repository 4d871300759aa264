"""Soft matching against a model answer alone: one-letter misspellings and the model answer's own figures."""

from __future__ import annotations

from bank.schema import Question
from scoring.offline import OfflineJudge
from scoring.softmatch import figures, figures_named, reference_figures, typo_of

VOCAB = frozenset({"probabl", "synchron", "reliabl", "destin"})


def test_a_one_letter_misspelling_reads_as_the_word() -> None:
    assert typo_of("propabl", VOCAB) == "probabl"  # substitution
    assert typo_of("destn", VOCAB) is None  # too short to tell from another word
    assert typo_of("relyabel", VOCAB) is None  # two edits
    assert typo_of("probabl", VOCAB) is None  # already a word of the vocabulary


def test_real_words_one_unrelated_letter_apart_are_different_words() -> None:
    vocab = frozenset({"formal", "sender"})
    assert typo_of("format", vocab) is None  # t / l: not a letter people confuse
    assert typo_of("formel", vocab) == "formal"  # a / e is
    assert typo_of("sendre", vocab) == "sender"  # adjacent swap


def test_a_negating_prefix_is_not_a_misspelling() -> None:
    assert typo_of("asynchron", VOCAB) is None
    assert typo_of("unreliabl", VOCAB) is None


def test_decimal_commas_and_thousands_separators() -> None:
    assert figures("P(B) = 0,0138 and 1,38%") == (0.0138, 1.38)
    assert figures("10,500 tokens") == (10500.0,)


def test_the_model_answers_own_figures_not_the_prompts_nor_list_numbers() -> None:
    ref = reference_figures("1. P(B) = 0.6^3 * 0.4^3 = 0.013824 2. P(A) = 0.8208", "heads 0.6, tails 0.4")
    assert ref == (0.013824, 0.8208)
    assert figures_named("P(B) is about 0,0138, P(A) = 0.82", ref) == {0, 1}
    assert figures_named("P(A) = 0.7", ref) == set()


PROB_Q = Question(
    id="coin", category="fundamentals",
    prompt="A coin shows heads with probability 0.6. How likely is the sequence HHHTTT in six flips?",
    model_answer="It is the product of the single flips: P = 0.6^3 * 0.4^3 = 0.013824, about 1.4 percent.",
)


def test_a_worked_result_earns_credit_without_the_model_answers_words() -> None:
    judge = OfflineJudge()
    right = judge.grade_sync(PROB_Q, "P(HHHTTT) = 0,6^3 * 0,4^3 = 0,0138.")
    wrong = judge.grade_sync(PROB_Q, "P(HHHTTT) = 0,6^3 * 0,4^3 = 0,0542.")
    assert right.total >= 5.0
    assert right.total > wrong.total


def test_misspelt_words_of_the_model_answer_count() -> None:
    q = Question(id="table", category="fundamentals", prompt="What does a transparent bridge keep in its table?",
                 model_answer="Each entry maps a station address to the outgoing interface, with a timestamp.")
    judge = OfflineJudge()
    misspelt = judge.grade_sync(q, "Every entry maps the station adress to the outgoing interfase and a timestamp.")
    spelt = judge.grade_sync(q, "Every entry maps the station address to the outgoing interface and a timestamp.")
    assert misspelt.total == spelt.total >= 7.0


def test_divided_by_ten_is_a_decrease() -> None:
    q = Question(id="diameter", category="fundamentals",
                 prompt="What happens to the collision domain diameter when the network gets ten times faster?",
                 model_answer="The diameter decreases by a factor of ten.")
    assert OfflineJudge().grade_sync(q, "The diameter is divided by ten.").total >= 5.0
