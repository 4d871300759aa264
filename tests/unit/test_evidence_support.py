"""Evidence must support the criterion it is quoted for: in the answer, not copied, on topic, not contradicting."""

from __future__ import annotations

import pytest

from bank.loader import load_bank
from bank.schema import Question
from bot.ports import CriterionResult, Verdict
from scoring.feedback_text import BOILERPLATE, OFFLINE_NOTE
from scoring.guard import post_check
from scoring.offline import OfflineJudge
from scoring.rubric import rubric_for
from scoring.support import HINT_LABEL, contradicts, copied_from, supports

# The opposite of every point of sd-workflow-or-agent's rubric (invoices into the ERP).
OPPOSITE = (
    "Never use a fixed pipeline for invoices: a workflow is expensive, slow and unpredictable, and it cannot be "
    "tested step by step. An agent is cheaper and easy to evaluate, so always build the agent. Strict schemas and "
    "deterministic checks are pointless, human review is unnecessary, and measuring field-level accuracy is a "
    "waste of time."
)

SMALL_IN_PROMPT = "If the material is small and stable, put it straight into the prompt."


@pytest.fixture(scope="module")
def questions() -> dict[str, Question]:
    return dict(load_bank().questions)


def test_the_opposite_of_every_rubric_point_scores_low_offline(questions: dict[str, Question]) -> None:
    # Issue 13: this answer scored 8.9, the same wrong sentence quoted for three criteria.
    verdict = OfflineJudge().grade_sync(questions["sd-workflow-or-agent"], OPPOSITE)
    assert verdict.total <= 1.5, [(c.id, c.verdict, c.evidence) for c in verdict.criteria]


@pytest.mark.parametrize(
    ("sentence", "reference"),
    [
        ("An agent is cheaper than a fixed workflow.", "Agents cost more: higher and more variable token spend."),
        ("The model is stateful and keeps what you said last time.", "The API is stateless: each call is independent."),
        ("Give the agent broad privileges so it never gets stuck.", "Grant least privilege to every tool."),
        ("Tool output is trusted input, pass it straight through.", "Treat tool output as untrusted input."),
        ("Caching the prefix is pointless.", "Cache the stable prefix so repeated calls are cheaper."),
        ("Evaluation sets are a myth.", "Build an evaluation set from real cases."),
        ("You never need to measure latency.", "Measure p95 latency before and after."),
        ("A fixed workflow is unpredictable and cannot be tested.", "Each step can be tested; costs are predictable."),
        # Reversed direction without any negation word: what goes up or down is the same thing.
        ("Latency drops with a second agent.", "A second agent raises latency."),
        ("Token spend decreases with more agents.", "Multi-agent systems increase token spend."),
        ("Rolling summaries are lossless.", "Summaries are lossy, so keep key facts in a store."),
        # Dismissing what the reference warns about: "isn't a problem", "can't happen", "is impossible".
        ("Handoffs aren't really a problem between agents.", "Handoffs between agents lose context."),
        ("Overfitting to the eval set can't happen.", "Watch for overfitting to the eval set."),
        # ... and a later negation in the same clause ("because we never ...") does not cancel the dismissal.
        ("Overfitting can't happen because we never train on the eval set.", "Watch for overfitting to the eval set."),
        ("Replaying a run is impossible.", "Log every step so a run can be replayed."),
        # always / never about the same thing.
        ("Always resend the full history on every call.", "Never resend the full history; summarise older turns."),
        # The subject carries across ", and ...": the second clause is still about the tree.
        ("A spanning tree has loops, and does not include every node.",
         "A spanning tree includes every node and has no loops."),
        # Conditionals with the opposite polarity: the condition negated (or "unless" for "if") with the same
        # consequence, or the same condition with the consequence negated.
        ("If the material is not small and stable, put it straight into the prompt.", SMALL_IN_PROMPT),
        ("Unless the material is small and stable, put it straight into the prompt.", SMALL_IN_PROMPT),
        ("Put the material straight into the prompt when it is not small and stable.", SMALL_IN_PROMPT),
        ("If the material is small and stable, never put it into the prompt.", SMALL_IN_PROMPT),
        ("Above the limit, or when the amount is not unclear, it escalates to a person.",
         "Above the limit, or when the amount is unclear, it escalates to a person."),
        ("Fine-tune when latency is not the bottleneck.", "Fine-tune when latency is the bottleneck."),
        # A negation before "rather than" still denies.
        ("Tune when the gap is not behaviour rather than knowledge.",
         "Tune when the gap is behaviour rather than knowledge."),
        # "not only X" against "only X"; a negated frame word inside a relative clause denies that word.
        ("A re-ranker can not only reorder what the first stage found.",
         "A re-ranker can only reorder what the first stage found."),
        ("Retrieved passages that are not irrelevant lead to wrong answers.",
         "Retrieved passages that are irrelevant lead to wrong answers."),
        # "X isn't needed for Y" dismisses X; "has nothing to do with", "is noise", "don't bother", "negligible".
        ("Evals aren't needed for prompts because wording changes are small.",
         "Run each prompt change against a regression eval set."),
        ("Prompt caching has nothing to do with the KV cache.", "Prompt caching reuses the KV cache across requests."),
        ("Per-step details such as tool arguments are noise.", "Log the tool arguments of each step."),
        ("Don't bother monitoring the escalation rate.", "Monitor the escalation rate in production."),
        ("The cache uses negligible memory.", "The cache uses memory that grows with context length."),
        # "no need for X or Y to Z", "no point in Z": everything the clause names is dismissed, not only X.
        ("There is no need for a cost formula or a labelled set to tune the threshold.",
         "Tune the threshold on a labelled set."),
        ("There's no point in a labelled set for the threshold.", "Tune the threshold on a labelled set."),
        # "anything", "everything" are not what is denied: "no need to review anything" denies reviewing.
        ("The canary protects you, so there is no need to review anything.",
         "Review what the leaked prompt reveals about the controls."),
        # ", which is ..." is said of the word before it; "poorly calibrated" reads as "unreliable".
        ("Escalate on the model's own self-confidence, which is the most reliable signal.",
         "Self-reported confidence is often poorly calibrated."),
        # A verdict on the whole clause after a condition is still a verdict ("if you do run them, X is a myth").
        ("If you do run them, position bias is a myth.", "Position bias is strong, so swap the order."),
        ("Confidence intervals are overkill.", "Report the win rate with a confidence interval."),
        # "rare enough to ignore", "can be ignored", "tells you nothing useful": dismissals without a frame word.
        ("Content filter stops are rare enough to ignore.", "A content-filter stop needs its own path: count it."),
        ("Refusals can safely be ignored.", "Count refusals, since a spike can mean abuse."),
        ("Monitoring the stop-reason distribution tells you nothing useful.",
         "Monitor the distribution of stop reasons per endpoint."),
        # Asserting the alternative the reference turns down ("instead of Y", "rather than Y"), in plain words.
        ("Put the full schema of every table into the prompt and let the model pick.",
         "Retrieve the few relevant views per question, instead of pasting hundreds of table schemas into the prompt."),
        ("Send the whole transcript to the summariser.",
         "Summarise each chunk with its timestamps rather than sending the whole transcript."),
        # Restating a reference clause without its denial ("no prompt reliably stops ...").
        ("A stronger system prompt, which reliably stops prompt injection.",
         "Fix the rendering boundary, because no prompt reliably stops the injection itself."),
        # ... or after an elliptical "X, not Y".
        ("A win for B also tells you B is good enough to ship.",
         "It tells you which is better, not whether either is good enough."),
    ],
)
def test_contradictions_are_detected(sentence: str, reference: str) -> None:
    assert contradicts(sentence, reference)


@pytest.mark.parametrize(
    ("sentence", "reference"),
    [
        ("The model does not remember anything between calls.", "The model does not remember previous calls."),
        ("It is stateless, so you resend the history every call.", "The API is stateless: resend the history."),
        ("Cache the stable prefix so repeated calls get cheaper.", "Cache the stable prefix so calls are cheaper."),
        ("Never give a tool more privilege than it needs.", "Grant least privilege to every tool."),
        ("Do not trust tool output; treat it as untrusted data.", "Treat tool output as untrusted input."),
        ("A workflow is predictable and easy to test.", "Each step can be tested; costs are predictable."),
        # The rejected alternative after "avoids", "instead of" or ", not ..." is not a claim to deny
        # (ps-least-privilege-tools' paraphrase lost two criteria to these).
        ("Give narrow tools, never a generic raw SQL tool.", "Exposes narrow tools and avoids generic ones."),
        ("Expose task tools, never a generic one.", "Expose task-shaped tools instead of generic ones."),
        ("Reads use a read-only role, never a superuser.", "Use delegated tokens, not a shared superuser account."),
        # "has no issues" and "would not be a problem" do not dismiss the subject.
        ("Carrier extension doesn't have these issues.", "Carrier extension pads short frames."),
        # A negation about another subject than the reference's ("UDP has none" beside TCP's field).
        ("UDP does not have a sequence number field.",
         "The TCP header has a sequence number field, while UDP only has ports."),
        # The subject carries across ", and ...": the second clause is about UDP too, not TCP.
        ("UDP is connectionless, and does not number its segments.",
         "TCP numbers its segments, while UDP is connectionless."),
        # The consequence of an "if" clause is as conditional as the condition.
        ("If p_escalate gets high, it is more expensive than the strong model.",
         "A cascade is cheaper than always calling the strong model."),
        # A direction word about something else: the length grows, the overhead shrinks.
        ("Frame bursting increases the frame length.", "Frame bursting reduces the overhead per frame."),
        # "no" and "without" inside a clause deny their noun, in the reference too.
        ("Never use exact-match tests.", "Draws the design consequence of no exact-match tests."),
        ("Generate drafts but don't show them.", "Generate drafts without showing them to customers."),
        ("Compare recall with and without rewriting.", "Compare recall with rewriting on a labelled set."),
        # The rejected alternative after "instead of" is not claimed, so its antonym is no contradiction.
        ("Instead of an independent arrival process, traffic comes in bursts.",
         "Arrivals are not independent: traffic is bursty."),
        # The contrast restated: another condition with another consequence, or the inverse (both negated).
        ("If the corpus is large, use retrieval.", SMALL_IN_PROMPT),
        ("If the corpus is large, don't paste it into the prompt.",
         "If the corpus is small, paste it into the prompt."),
        ("If the material is not small and stable, do not put it into the prompt.", SMALL_IN_PROMPT),
        ("Don't fine-tune when the gap is missing knowledge; add retrieval.",
         "Fine-tune when the gap is behaviour rather than knowledge."),
        # The same conditional in other words, or with a negation the reference does not contradict.
        ("If the documents are small and rarely change, just paste them into the prompt.", SMALL_IN_PROMPT),
        ("If the material is small and stable, don't bother with retrieval; put it in the prompt.", SMALL_IN_PROMPT),
        # A word the clause also says plainly is not what it denies: "not open source" is about open source.
        ("Open weights are not open source: the training data is usually unpublished.",
         "Open weights mean you can download the parameters and run the model wherever you like."),
        # "don't bother X-ing" denies X as "do not X" does.
        ("Users see words sooner; don't bother streaming for background jobs.",
         "Do not stream for batch jobs or when code consumes the output."),
        # The turned-down alternative named beside the preferred one, or denied, agrees; "instead, Y" chooses Y.
        ("Retrieve the relevant views rather than pasting every table schema into the prompt.",
         "Retrieve the few relevant views per question, instead of pasting hundreds of table schemas into the prompt."),
        ("Pasting every table schema into the prompt doesn't scale.",
         "Retrieve the few relevant views per question, instead of pasting hundreds of table schemas into the prompt."),
        ("The sender retransmits after a timeout.", "No loss of data: instead the sender retransmits after a timeout."),
        ("Pairwise says which is better but not whether either is good enough.",
         "It tells you which is better, not whether either is good enough."),
        ("No prompt reliably stops the injection, so fix the renderer.",
         "Fix the rendering boundary, because no prompt reliably stops the injection itself."),
        # A key phrase "not open source" on its own prefers nothing, so it turns nothing down.
        ("Open weights fall short of open source in the full sense.", "not open source"),
        # Dropping packets is a claim about them, not a dismissal ("can safely be ignored" is one).
        ("Packets that arrive late may be ignored.", "Packets that arrive late are discarded."),
        # A condition inside the clause still makes a frame word partial.
        ("Swapping the order is pointless when the judge is position-blind.",
         "Position bias is strong, so swap the order."),
        ("When the request is ambiguous, escalate to a person.", "Escalate to a person when the request is ambiguous."),
        # "not only X but also Y" adds to X; "passages that are irrelevant" describes the passages.
        ("A re-ranker not only reorders candidates but also raises precision.",
         "A re-ranker can only reorder what the first stage found."),
        ("Retrieved passages that are irrelevant lead to wrong answers.",
         "Irrelevant or stale retrieved passages cause hallucinations."),
        # The same dismissal as the reference's.
        ("A separate vector store isn't needed for a small corpus.",
         "For a small corpus a separate vector store is not needed."),
        ("Noise in the labels is a known issue.", "Label noise makes the eval set less reliable."),
        ("An output check is noise reduction, not protection.", "Add an output check that blocks copies."),
        # A specific word about another topic of the reference ("checks are trustworthy") is no antonym.
        ("Don't trust self-reported confidence.",
         "Deterministic checks are the most trustworthy; self-reported confidence is often poorly calibrated."),
        ("Escalate on schema validation, which is the most reliable signal.",
         "Schema validation is reliable; self-reported confidence is often poorly calibrated."),
    ],
)
def test_agreeing_sentences_are_not_contradictions(sentence: str, reference: str) -> None:
    assert not contradicts(sentence, reference)


def test_copied_text_is_recognised_and_own_words_are_not() -> None:
    shown = ["Think about: predictability of the steps as the criterion, with a known path favouring a workflow."]
    assert copied_from("predictability of the steps as the criterion, with a known path favouring a workflow", shown)
    assert not copied_from("If I can write the steps down ahead of time I build a workflow.", shown)


def test_support_needs_relevance(questions: dict[str, Question]) -> None:
    q = questions["sd-workflow-or-agent"]
    item = next(i for i in rubric_for(q) if i.id == "tradeoffs")
    assert supports("Each step of a workflow can be tested on its own and costs stay predictable.", item, q)
    assert not supports("I once worked at a bank in Lisbon for three years.", item, q)


def test_a_correct_does_not_sentence_still_earns_credit(questions: dict[str, Question]) -> None:
    q = questions["sd-workflow-or-agent"]
    honest = (
        "I would not build an agent here: the steps are known in advance and never change, so a fixed pipeline "
        "(parse the PDF, extract the fields, validate, post to the ERP) does the job. It is cheaper and predictable "
        "in cost and latency, and easy to test step by step, while an agent brings variable token spend, loops and "
        "wrong tool picks that are hard to evaluate. I would extract into a strict schema and check that line items "
        "add up to the total, that the invoice is not a duplicate and that the purchase order matches; anything "
        "with low confidence goes to a human review queue. An agent only fits when the next step depends on what "
        "the last one found, and even then I would add a bounded agent step with a step cap inside the workflow."
    )
    assert OfflineJudge().grade_sync(q, honest).total >= 7.0


def test_avoiding_what_the_reference_recommends_is_a_contradiction() -> None:
    assert contradicts("Avoid caching the prefix.", "Cache the stable prefix so repeated calls are cheaper.")


def test_a_negated_condition_earns_no_credit_offline(questions: dict[str, Question]) -> None:
    # Issue 13 follow-up: "if ... not ..." with the reference's consequence was full credit for small-in-prompt.
    q = questions["art-rag-when-not-to-use"]
    wrong = "If the material is not small and stable, put it straight into the prompt."
    right = "If the material is small and stable, put it straight into the prompt."
    judge = OfflineJudge()
    credit = {c.id: c.verdict for c in judge.grade_sync(q, wrong).criteria}
    assert credit["small-in-prompt"] == "missed"
    assert {c.id: c.verdict for c in judge.grade_sync(q, right).criteria}["small-in-prompt"] != "missed"


def test_one_side_of_a_with_and_without_comparison_denies_nothing(questions: dict[str, Question]) -> None:
    # "without caching" set beside "with it" compares two cases; read as a denial of caching it cost the
    # cached-cost criterion (a short, correct answer scored 0.0).
    q = questions["cost-prompt-caching"]
    judge = OfflineJudge()
    for answer in ("You'd pay about $34.5k a month without caching and about $7.5k with it.",
                   "About $34,500 a month without caching and about $7,500 a month with caching."):
        credit = {c.id: c.verdict for c in judge.grade_sync(q, answer).criteria}
        assert credit["cached"] == "met", answer
    # Without a "with" side, "without" still denies.
    assert contradicts("We run without caching the stable prefix.",
                       "Cache the stable prefix so repeated calls are cheaper.")
    assert contradicts("Ship prompt changes without running the eval suite.",
                       "Always run the eval suite before shipping a prompt change.")


def test_a_follow_up_question_pasted_back_is_copied_text_not_evidence(questions: dict[str, Question]) -> None:
    # Every reply ends with the question's first follow-up ("Next an interviewer might ask: ..."), so pasting
    # it back is copying what the person was handed, like pasting the question itself.
    q = questions["art-long-context-vs-retrieval"]
    follow_up = q.follow_ups[0].prompt
    assert any(not supports(follow_up, item, q) for item in rubric_for(q))
    judge = OfflineJudge()
    pasted = judge.grade_sync(q, f"{follow_up} {q.follow_ups[1].prompt}")
    assert all(c.verdict == "missed" for c in pasted.criteria) and pasted.total == 0.0


def test_the_bots_own_feedback_pasted_back_earns_nothing_on_any_question(questions: dict[str, Question]) -> None:
    # Every reply shows the same fixed hint sentences to everyone, so they are text the person was handed even
    # without this person's earlier feedback in `shown`: pasted back for every bank question, a weak answer's
    # whole reply averaged 0.76 and reached 4.2 (evidence "Scored by the offline scorer.", "Cover the cost,
    # latency or resource side.").
    judge = OfflineJudge()
    totals = []
    for q in questions.values():
        weak = judge.grade_sync(q, "I am not sure, maybe add some monitoring.")
        pasted = judge.grade_sync(q, f"{weak.feedback}\n{weak.follow_up}")
        quoted = [c.evidence for c in pasted.criteria if c.verdict != "missed"]
        assert not any(e in BOILERPLATE or e.startswith(OFFLINE_NOTE) for e in quoted), (q.id, quoted)
        totals.append(pasted.total)
    assert sum(totals) / len(totals) <= 0.2


HINTS_WITHOUT_COLONS = (
    "Consider how the cost of an agent varies. Mention testability and predictable latency. Think about loops "
    "and hard evaluation. Discuss a fixed pipeline for known steps."
)


def test_hints_pasted_back_without_a_colon_earn_nothing(questions: dict[str, Question]) -> None:
    # Instructions about what to say ("Mention X", "Consider how X") claim nothing, with or without a label.
    q = questions["sd-workflow-or-agent"]
    assert OfflineJudge().grade_sync(q, HINTS_WITHOUT_COLONS).total <= 1.5
    # A model that marks every criterion met, quoting one of those sentences for each, gets nothing either.
    sentences = [s + "." for s in HINTS_WITHOUT_COLONS.rstrip(".").split(". ")]
    verdict = Verdict(criteria=[CriterionResult(i.id, "met", sentences[k % len(sentences)], float(i.weight), "")
                                for k, i in enumerate(rubric_for(q))])
    assert post_check(q, HINTS_WITHOUT_COLONS, verdict).total == 0.0


def test_consider_followed_by_advice_is_a_claim() -> None:
    assert HINT_LABEL.match("Consider how the model imitates the examples.")
    assert HINT_LABEL.match("Think about: drift.")
    assert not HINT_LABEL.match("Consider caching the static prefix so repeated calls cost less.")
    assert not HINT_LABEL.match("I'd think about the order of the examples, since it shifts the labels.")


def test_still_against_a_reference_that_says_no_longer_is_a_contradiction() -> None:
    reference = "Production traffic has moved on, so the set may no longer represent users."
    assert contradicts("The 300 cases still represent our users fine.", reference)
    assert not contradicts("The old cases no longer represent our users.", reference)
    assert not contradicts("The set should still be refreshed every month.", reference)
