"""The interview's pure rules: the weakest criterion, which follow-up to ask, what part of the model
answer a follow-up is graded against."""

from __future__ import annotations

from bank.schema import Criterion, FollowUp
from bot.ports import CriterionResult
from bot.services.interview import choose_follow_up, focus, weakest


def test_weakest_is_the_most_unearned_weight() -> None:
    crit = [CriterionResult("a", "partial", weight=3, text="A"), CriterionResult("b", "missed", weight=1),
            CriterionResult("c", "missed", weight=2), CriterionResult("d", "met", weight=3)]
    assert weakest(crit).id == "c"  # type: ignore[union-attr]  # 2 unearned beats 1.5 and 1
    assert weakest([CriterionResult("a", "met")]) is None
    tie = [CriterionResult("x", "missed"), CriterionResult("y", "missed")]
    assert weakest(tie).id == "x"  # type: ignore[union-attr]  # ties go to rubric order


def test_follow_up_matches_the_gap_then_falls_back_to_the_judges_own() -> None:
    gap = CriterionResult("cost", "missed", text="Estimates the token cost per request")
    ups = [FollowUp(prompt="How would you shard the index?"),
           FollowUp(prompt="What does one request cost you?",
                    rubric=[Criterion(id="tok", text="Counts the token cost of the prompt and the reply")])]
    assert choose_follow_up(ups, [], gap, "")[0] == ups[1].prompt  # type: ignore[index]
    assert choose_follow_up(ups, [ups[1].prompt], gap, "")[0] == ups[0].prompt  # type: ignore[index]
    asked = [u.prompt for u in ups]
    assert choose_follow_up(ups, asked, gap, "And the latency?") == ("And the latency?", gap.text)
    assert choose_follow_up(ups, asked, gap, "") is None


def test_focus_keeps_the_sentences_about_the_follow_up() -> None:
    reference = ("Start with the goal. Retrieval needs recall. Rerankers fix ordering. Chunking matters. "
                 "Cost grows with tokens. Caching the prefix cuts cost. Batch requests for cost. Monitor spend.")
    picked = focus(reference, "How would you cut the token cost?")
    assert "Caching the prefix cuts cost" in picked and "Start with the goal" not in picked
    assert focus("Short answer. Two sentences.", "anything") == "Short answer. Two sentences."
