"""A behavioural answer's measured outcome and lesson are recognised by their form, not the model story's words."""

from __future__ import annotations

from bank.schema import Criterion, Question
from scoring.offline import OfflineJudge
from scoring.story import asks_for, is_outcome, is_reflection

VENDOR_Q = Question(
    id="beh-vendor",
    category="behavioural",
    prompt="Tell me about a time you chose between building an AI feature and buying a vendor's product.",
    model_answer=(
        "Legal wanted contract summaries. I listed criteria before any demo, ran both options on the same 100 "
        "contracts graded blind, and recommended the vendor with our data excluded from their training. It "
        "launched in six weeks instead of four months and acceptance rose to 80%. In hindsight I underestimated "
        "the exit terms."
    ),
    rubric=[
        Criterion(id="criteria-first", weight=2, text="Sets decision criteria before seeing demos",
                  key_phrases=["criteria", "before any demo"]),
        Criterion(id="same-test", weight=3, text="Runs every option on the same real data, graded blind",
                  key_phrases=["same data", "graded blind"]),
        Criterion(id="outcome", weight=2, text="Gives measured outcomes such as time to launch and quality",
                  key_phrases=["six weeks", "four months", "acceptance rose"]),
        Criterion(id="hindsight", weight=1, text="Reflects on what they would weigh differently",
                  key_phrases=["in hindsight", "underestimated", "exit terms"]),
    ],
)

OWN_STORY = (
    "Sales wanted call summaries in the CRM, so it was a vendor add-on or our own build. I wrote down the "
    "criteria before any demo: quality on our calls, CRM fit, retention and price per call. Both ran on the same "
    "50 real calls, graded blind by two sales managers. We built it: it shipped in 7 weeks and about 90% of reps "
    "open the summaries each week. Next time I'd budget half an engineer for upkeep from day one."
)


def test_which_criteria_ask_for_a_story_part() -> None:
    assert asks_for("Gives measured outcomes such as time to launch and quality") == "outcome"
    assert asks_for("Reflects on what they would weigh differently") == "reflection"
    assert asks_for("Gives a measurable outcome and a lesson about raising concerns") == "both"
    assert asks_for("Sets a deliberate, structured learning plan") is None
    assert asks_for("Reports the results honestly, including where their own approach lost.") == "outcome"
    assert asks_for("Describes the measurable consequences of that choice.") == "outcome"
    assert asks_for("Commits to a scoped plan based on the spike results") is None


def test_outcomes_need_a_figure_with_a_change_and_reflections_a_stance() -> None:
    assert is_outcome("HR tickets dropped from about 900 a month to 550.")
    assert is_outcome("shipped in 7 wks, ~90% of reps open the summaries weekly")
    assert is_outcome("result: long-ctx 88% vs my RAG 84%, so I lost on accuracy")
    assert not is_outcome("We moved from GPT-4 to GPT-3.5 to save money.")  # model names are not figures
    assert not is_outcome("The results were good and everyone was happy.")
    assert is_reflection("In hindsight I'd have pushed harder on the exit clause.")
    assert is_reflection("Next time I'd budget half an engineer for upkeep.")
    assert not is_reflection("I would do all of these.")
    # The way people close a story: a takeaway or a principle, stated now.
    assert is_reflection("What I took away: build something ugly first, then read with a question in mind.")
    assert is_reflection("Principle I use now: design for deletion before retrieval.")
    assert is_reflection("Today I'd key every chunk by its document id.")
    assert not is_reflection("We took away the old index.")


def test_an_outcome_and_a_lesson_in_the_candidates_own_story_earn_their_criteria() -> None:
    verdict = OfflineJudge().grade_sync(VENDOR_Q, OWN_STORY)
    marks = {c.id: c.verdict for c in verdict.criteria}
    assert marks["outcome"] == "met" and marks["hindsight"] == "met"
    evidence = {c.id: c.evidence for c in verdict.criteria}
    assert "90%" in evidence["outcome"] and "Next time" in evidence["hindsight"]


def test_story_parts_count_only_for_behavioural_questions() -> None:
    technical = VENDOR_Q.model_copy(update={"category": "system_design"})
    marks = {c.id: c.verdict for c in OfflineJudge().grade_sync(technical, OWN_STORY).criteria}
    assert marks["outcome"] != "met"
