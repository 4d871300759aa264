"""The fixed sentences the bot writes into feedback: hint templates, flag notes, notes about the scorer.

Every reply shows some of them to everyone who answers, so they are text the person was handed
(scoring.support.given_text): pasting them back as an answer earns nothing, for either judge.
"""

from __future__ import annotations

import re

from scoring.chains import CARRIED_NOTE, SLIP_HINT

OFFLINE_NOTE = "Scored by the offline scorer."
ABSTAIN_REASON = "The offline scorer grades English answers; ask an admin to enable the LLM judge."
ARITHMETIC_HINT = "Work the arithmetic through to a final number and state it."
PARTIAL_HINT = "You touched on some points without developing them: say how and why."
DEFAULT_FOLLOW_UP = "What would you measure to know this works in production?"

# What kind of point a criterion makes, read from its wording, so a hint can name the gap ("say how you
# would check it works") without repeating the criterion's words. First match wins.
GAP_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), hint)
    for pattern, hint in (
        (r"\b(?:trade-?offs?|downsides?|drawbacks?|risks?|cons|limitations?|pitfalls?|fails?|failure|"
         r"when not|breaks?|wrong)\b", "Say what it costs you or where it breaks down, not only what it gives."),
        (r"\b(?:measur\w*|metrics?|evals?|evaluat\w*|test\w*|monitor\w*|track\w*|validat\w*|verif\w*|"
         r"checks?)\b", "Say how you would check that it works: what you would measure or test."),
        (r"\b(?:examples?|story|situation|specific|concrete|instance)\b",
         "Make it concrete with a specific example or situation."),
        (r"\b(?:safe\w*|secur\w*|privacy|pii|inject\w*|permissions?|abuse|harm\w*|attack\w*|trust\w*)\b",
         "Cover the safety, security or privacy side."),
        (r"\b(?:costs?|cheap\w*|pric\w*|budget|tokens?|latency|speed|fast\w*|slow\w*|memory)\b",
         "Cover the cost, latency or resource side."),
        (r"\b(?:when|choose|choice|decid\w*|depends?|instead|versus|vs|compar\w*)\b",
         "Say when you would choose this and when you would not."),
        (r"\b(?:why|because|reasons?|causes?)\b", "Explain why, not only what."),
        (r"\b(?:how|steps?|process|rollout|roll\s+out|plan)\b", "Describe how you would actually do it, step by step."),
    )
)
GAP_DEFAULT = "Another point the question expects is missing: what else would an interviewer want you to cover?"


FLAG_NOTES = {
    "empty": "The answer was empty.",
    "too_short": "The answer is very short; a few full sentences would let you show more.",
    "off_topic": "The answer does not seem to address this question.",
    "copied_question": "Text repeated from the question earns no credit.",
    "injection_suspected": "Instructions addressed to the grader were ignored and earn no credit.",
    "stuffing": "Keyword lists earn no credit; explain each point in a sentence.",
}

BOILERPLATE: tuple[str, ...] = (
    OFFLINE_NOTE, ABSTAIN_REASON, ARITHMETIC_HINT, PARTIAL_HINT, DEFAULT_FOLLOW_UP, GAP_DEFAULT, SLIP_HINT,
    CARRIED_NOTE, *(hint for _, hint in GAP_KINDS), *FLAG_NOTES.values(),
)
