"""Overclaims: absolutes and dismissals the reference never makes, in the confidently-wrong style."""

from __future__ import annotations

from bank.schema import Criterion, Question
from bot.ports import CriterionResult, Verdict
from scoring.guard import post_check
from scoring.offline import OfflineJudge
from scoring.overclaims import overclaims
from scoring.wrongclaims import count_claims

LEAK_Q = Question(
    id="ps-leak",
    category="production_safety",
    prompt="A user got your assistant to print its system prompt. How worried should you be?",
    model_answer=(
        "Assume any system prompt can be extracted; an instruction not to reveal it does not hold. Keep secrets "
        "and credentials out of prompts, with tools authenticating in code. Enforce business rules in code behind "
        "the tools. Treat canary strings and output filters as detection, not protection."
    ),
    rubric=[
        Criterion(id="extractable", weight=2, text="Assumes the prompt can be extracted whatever it says",
                  key_phrases=["extracted", "assume"]),
        Criterion(id="no-secrets", weight=2, text="Keeps secrets and credentials out of prompts",
                  key_phrases=["credentials", "secrets out of"]),
        Criterion(id="rules-in-code", weight=2, text="Enforces business rules in code behind the tools",
                  key_phrases=["in code", "behind the tools"]),
        Criterion(id="detection", weight=1, text="Treats canary strings and output filters as detection only",
                  key_phrases=["canary", "detection"]),
    ],
)

CONFIDENTLY_WRONG = (
    "A strong instruction at the top reliably stops anyone extracting the prompt. Secrets and credentials in the "
    "prompt are fine once that instruction is there. Business rules are always safest in the prompt rather than "
    "in code behind the tools. Canary strings fully protect you."
)
HEDGED_RIGHT = (
    "Assume the prompt can be extracted: no instruction reliably stops that. Keep secrets and credentials out of "
    "prompts and let tools authenticate in code. Enforce business rules in code behind the tools. Canary strings "
    "help detection but are not protection."
)



def sentences_of(answer: str) -> list[str]:
    """The answer's sentences as the judges split these one-line examples (". " between them)."""
    return [part + "." for part in answer.rstrip(".").split(". ")]

def test_an_answer_made_of_absolutes_the_reference_never_uses_is_confidently_wrong() -> None:
    sentences = sentences_of(CONFIDENTLY_WRONG)
    assert overclaims(LEAK_Q, sentences) == {0, 1, 2, 3}
    # One absolute among plain sentences is emphasis, not the style.
    assert overclaims(LEAK_Q, sentences_of(HEDGED_RIGHT)) == set()


def test_words_the_reference_uses_and_quoted_words_are_not_overclaims() -> None:
    sentences = [
        'Legal said "it must never leak, it is always wrong to" and we agreed a test set.',
        "An instruction not to reveal it reliably fails, so assume it can be extracted.",
        "We moved the refund rule into code.",
    ]
    assert overclaims(LEAK_Q, sentences) == set()


def test_the_offline_judge_gives_confidently_wrong_answers_nothing_and_right_ones_full_credit() -> None:
    judge = OfflineJudge()
    assert judge.grade_sync(LEAK_Q, CONFIDENTLY_WRONG).total <= 1.5
    assert judge.grade_sync(LEAK_Q, HEDGED_RIGHT).total >= 8.0


def test_the_llm_judges_post_check_counts_overclaims_as_wrong_claims() -> None:
    wrong, right = count_claims(LEAK_Q, CONFIDENTLY_WRONG)
    assert wrong == 4 and right == 0
    assert count_claims(LEAK_Q, HEDGED_RIGHT)[0] == 0
    # A model talked into marking every criterion met, each with a real quote from the answer.
    quotes = sentences_of(CONFIDENTLY_WRONG)
    verdict = Verdict(criteria=[CriterionResult(c.id, "met", quotes[k], float(c.weight), "")
                                for k, c in enumerate(LEAK_Q.rubric)])
    assert post_check(LEAK_Q, CONFIDENTLY_WRONG, verdict).total <= 2.5


# Dismissals in everyday words: waving each point away rather than asserting an absolute.
DISMISSIVE_WRONG = (
    "Prompt leaks are mostly theoretical. An instruction not to reveal it is all you need, and canary strings "
    "tell you nothing. Moving rules into code behind the tools slows everyone down for nothing. Credentials in "
    "the prompt can't hurt anyway."
)


def test_everyday_dismissals_read_as_the_confidently_wrong_style() -> None:
    sentences = sentences_of(DISMISSIVE_WRONG)
    assert overclaims(LEAK_Q, sentences) == {0, 1, 2, 3}
    assert OfflineJudge().grade_sync(LEAK_Q, DISMISSIVE_WRONG).total <= 1.5


def test_no_waste_and_plain_measured_claims_are_not_dismissals() -> None:
    sentences = [
        "Frame bursting sends several frames in a row, so no bandwidth is wasted on padding.",
        "Keep credentials out of the prompt and assume it can be extracted.",
    ]
    assert overclaims(LEAK_Q, sentences) == set()


def test_superlatives_and_calling_a_safeguard_a_cost_read_as_the_style() -> None:
    answer = ("Putting the instruction at the top is the best way to protect the prompt. Moving rules into code is "
              "pure overhead and only slows the team. Canary strings are a vanity metric. Keys in the prompt are "
              "fine. Assume nothing about extraction.")
    sentences = sentences_of(answer)
    assert overclaims(LEAK_Q, sentences) == {0, 1, 2, 3}



def test_two_everyday_absolutes_in_a_right_answer_of_five_sentences_are_emphasis() -> None:
    # "always taking the most likely token" and "anyway" in a correct explanation: absolutes, not dismissals.
    sentences = ["Greedy decoding means always taking the most likely token.", "Sums are not associative.",
                 "Providers update snapshots anyway.", "One changed token changes the rest.",
                 "So test properties, not exact text."]
    assert overclaims(LEAK_Q, sentences) == set()


def test_two_of_five_sentences_overclaiming_is_the_style() -> None:
    sentences = ["Secrets in the prompt are fine.", "Extraction is mostly theoretical.",
                 "Keep business rules in code behind the tools.", "Canary strings detect a leak.",
                 "Assume the prompt can be read."]
    assert overclaims(LEAK_Q, sentences) == {0, 1}


def test_negated_or_conditional_dismissals_claim_nothing_absolute() -> None:
    sentences = ["The tool output doesn't clutter what the model sees.", "That only matters if answers stay right.",
                 "I wouldn't send everything to the big model.", "It isn't overkill to keep secrets out.",
                 "Keep credentials out of prompts."]
    assert overclaims(LEAK_Q, sentences) == set()


def test_waving_a_practice_away_as_over_engineering_or_pointless_is_a_dismissal() -> None:
    # A fresh contradiction answer scored 10.0: each sentence dismissed a point in words the list lacked.
    answer = ("Not worried at all, it's fixable. Keeping keys in the prompt is acceptable with the new wording. "
              "Duplicating rules in code behind the tools is over-engineering. With a canary string there's "
              "nothing more to do. There's no point reviewing the leaked prompt; it is safe by definition.")
    sentences = sentences_of(answer)
    assert overclaims(LEAK_Q, sentences) == {0, 2, 3, 4}
    assert OfflineJudge().grade_sync(LEAK_Q, answer).total <= 1.5


def test_handing_a_point_to_someone_else_is_a_dismissal() -> None:
    sentences = ["Leaked prompts are the provider's problem.", "Rotating keys is out of scope for us.",
                 "Canary strings are their responsibility, not ours.", "Assume the prompt can be extracted.",
                 "Keep credentials out of prompts."]
    assert overclaims(LEAK_Q, sentences) == {1, 2}
    # Naming whose job something is, as a plain fact, is not one.
    assert overclaims(LEAK_Q, ["The on-call engineer owns the rotation.", "Security reviews the tools."]) == set()


def test_waving_an_action_away_is_a_dismissal() -> None:
    # A fresh contradiction to a data-deletion question: "embeddings can stay", "the model is untouched".
    sentences = ["Secrets in the prompt can stay where they are.", "The tools are untouched by a leak.",
                 "Leave the business rules as they are.", "Leave it as is until the review.",
                 "Assume the prompt can be extracted."]
    assert overclaims(LEAK_Q, sentences) == {0, 1, 3}
    assert overclaims(LEAK_Q, ["Keys stay in the vault, out of the prompt.", "Assume it can be extracted."]) == set()
