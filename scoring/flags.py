"""Deterministic answer flags shared by both judges (the LLM's own flags are merged on top).

Everything runs on the NFKC-normalised text with invisible characters removed, so "ig\u200bnore" and
full-width letters cannot dodge the patterns; the invisible characters themselves are a signal too.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from bank.schema import Question
from scoring.text import (
    FUNCTION_WORDS,
    TAG_CHARS,
    ZERO_WIDTH,
    clean,
    content_stems,
    fragments,
    is_sentence_like,
    stem,
    words,
)

TOO_SHORT_WORDS = 8

_I = re.IGNORECASE | re.MULTILINE
_PREV = r"(?:previous|prior|above|earlier|preceding|foregoing|all|any|the|your|system)"
# Phrasings that address the grader rather than answer the question.
_TARGETED = [
    rf"\b(?:ignore|disregard|forget|override|bypass)\b(?:\s+\w+){{0,2}}\s+{_PREV}(?:\s+\w+){{0,2}}\s+"
    r"(?:instructions?|prompts?|rules?|directions?|guidelines?|rubric|criteria)",
    r"\bnew\s+instructions?\s*:",
    r"\byou\s+are\s+now\b",
    r"\b(?:act|behave|pretend)\s+as\s+(?:if\s+you\s+were\s+)?(?:an?\s+|the\s+)?"
    r"(?:grader|judge|evaluator|system|admin|developer)",
    r"\bmark\s+(?:every|each|all|the)\s+(?:\w+\s+)?(?:criteri(?:on|a)|items?|points?)\s+(?:as\s+)?"
    r"(?:met|passed|satisfied|correct)",
    r"\b(?:all|every)\s+criteri(?:on|a)\s+(?:are|is)\s+(?:met|satisfied)",
    r"\b(?:give|award|assign|grant)\s+(?:me|this(?:\s+answer)?|it)?\s*(?:a\s+)?(?:full|maximum|max|perfect|"
    r"top|10)\s*(?:marks?|scores?|points?|/\s*10)",
    r"\bscore\s*[:=]\s*10\b",
    r"\b10\s*/\s*10\b",
    r"\bfull\s+marks\b",
    r"\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+)?(?:grader|evaluator|judge|ai|llm|model|"
    r"assistant|reviewer)",
    r"^\s*(?:system|assistant|developer|grader)\s*:",
    r"</?\s*(?:answer|system|user|assistant|instructions?|rubric|candidate|question|model[_ ]answer)\s*>",
    r"<<\s*end[-_ ]answer",
    r"<\|im_(?:start|end)\|>|\[/?INST\]|<\|(?:system|user|assistant)\|>",
    r"[\"']\s*verdict\s*[\"']\s*:\s*[\"']\s*(?:met|partial|missed)",
    r"[\"']\s*(?:criteria|score|total)\s*[\"']\s*:\s*[\[{0-9]",
    # es
    r"\b(?:ignora|olvida|omite)\w*\s+(?:todas\s+)?(?:las\s+)?instrucciones\s+(?:anteriores|previas)",
    r"\bmarca\s+todos\s+los\s+criterios",
    r"\b(?:ahora\s+eres|puntuaci[oó]n\s+m[aá]xima)\b",
    # fr
    r"\b(?:ignore[rsz]?|oublie[rsz]?)\s+(?:toutes\s+)?(?:les\s+)?instructions\s+(?:pr[ée]c[ée]dentes|"
    r"ant[ée]rieures)",
    r"\b(?:tu\s+es|vous\s+[êe]tes)\s+maintenant\b",
    r"\b(?:note|score)\s+maximale\b|\bmarque[rz]?\s+tous\s+les\s+crit[èe]res",
    # de
    r"\b(?:ignorier\w*|vergiss\w*|missachte\w*)\s+(?:sie\s+)?(?:alle\s+)?(?:vorherigen|bisherigen|obigen|"
    r"vorigen)?\s*(?:anweisungen|instruktionen|regeln)",
    r"\bdu\s+bist\s+(?:jetzt|nun)\b|\bvolle\s+punktzahl\b|\balle\s+kriterien\s+(?:als\s+)?erf[üu]llt",
    # pt
    r"\b(?:ignore|ignora|esque[çc]a)\w*\s+(?:todas\s+)?(?:as\s+)?instru[çc][õo]es\s+(?:anteriores|pr[ée]vias)",
    r"\bvoc[êe]\s+agora\s+[ée]\b|\b(?:pontua[çc][ãa]o|nota)\s+m[áa]xima\b|\bmarque\s+todos\s+os\s+crit[ée]rios",
    # it
    r"\bignora\s+(?:tutte\s+)?le\s+istruzioni\s+precedenti",
    # zh / ja
    r"(?:忽略|无视|忘记|忽視|無視)(?:之前|以前|上面|先前|所有|前面)?的?(?:所有)?(?:指令|指示|说明|說明|提示)",
    r"你现在是|你現在是|满分|滿分|所有(?:评分)?标准(?:都)?(?:已)?(?:满足|达到)",
    r"以前の指示を無視|すべての基準を満たし",
]
_TARGETED_RE = [re.compile(p, _I) for p in _TARGETED]
# Of those, the ones a candidate may legitimately quote when the question is about prompt injection.
_DESCRIPTIVE_RE = {0, 2, 3}


@lru_cache(maxsize=256)
def _topic_is_injection(topic: str) -> bool:
    return bool(re.search(r"inject|jailbreak|adversarial prompt", topic, re.IGNORECASE))


def _quoted(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1 or before.count("`") % 2 == 1


def injection_in(text: str, topic: str = "") -> bool:
    """Whether `text` addresses the grader. Quoted attack strings are allowed when `topic` is injection."""
    raw = text
    text = clean(text)
    hidden = len(ZERO_WIDTH.findall(raw)) >= 3 or bool(TAG_CHARS.search(raw))
    if hidden:
        return True
    descriptive_ok = _topic_is_injection(topic) if topic else False
    for i, pattern in enumerate(_TARGETED_RE):
        for m in pattern.finditer(text):
            if descriptive_ok and i in _DESCRIPTIVE_RE and _quoted(text, m.start()):
                continue
            return True
    return False


def _topic(question: Question) -> str:
    return " ".join([question.prompt, question.model_answer, *(c.text for c in question.rubric)])


@lru_cache(maxsize=1024)
def _vocab_cached(topic: str, phrases: str) -> frozenset[str]:
    return frozenset(content_stems(topic) | content_stems(phrases))


def question_vocab(question: Question) -> frozenset[str]:
    phrases = " ".join(p for c in question.rubric for p in c.key_phrases)
    return _vocab_cached(_topic(question), phrases)


def copied_question(question: Question, answer: str) -> bool:
    # Word-level comparison: as good as characters for "mostly repeats", and ~10x faster.
    a, p = words(answer), words(question.prompt)
    if not a:
        return False
    matcher = SequenceMatcher(None, a, p, autojunk=False)
    if matcher.quick_ratio() >= 0.75 and matcher.ratio() >= 0.75:
        return True
    prompt_stems = content_stems(question.prompt)
    ans = [stem(w) for w in words(answer) if w not in FUNCTION_WORDS]
    if not ans:
        return False
    novel = {s for s in ans if s not in prompt_stems}
    return len(novel) <= 3 and sum(s in prompt_stems for s in ans) / len(ans) >= 0.7


def off_topic(question: Question, answer: str) -> bool:
    stems = content_stems(answer)
    if not stems:
        return False
    overlap = len(stems & question_vocab(question))
    return overlap <= len(stems) // 10


def stuffing(question: Question, answer: str) -> bool:
    """A bag of keywords: mostly short non-sentence fragments, dense in the question's vocabulary."""
    frags = fragments(answer)
    if len(frags) < 5:
        return False
    bag = [f for f in frags if not is_sentence_like(f)]
    bag_words = sum(len(words(f)) for f in bag)
    all_words = sum(len(words(f)) for f in frags)
    if all_words == 0 or len(bag) < 5:
        return False
    bag_share = bag_words / all_words
    vocab = question_vocab(question)
    bag_stems = [stem(w) for f in bag for w in words(f) if w not in FUNCTION_WORDS]
    density = sum(s in vocab for s in bag_stems) / max(1, len(bag_stems))
    function_ratio = sum(w in FUNCTION_WORDS for f in frags for w in words(f)) / all_words
    if bag_share >= 0.5:
        return density >= 0.4 or (len(bag) >= 12 and function_ratio < 0.1)
    # A keyword list bolted onto a sentence or two: still a bag if it is long and on-vocabulary.
    return len(bag) >= 6 and bag_share >= 0.3 and density >= 0.5


def detect_flags(question: Question, answer: str) -> list[str]:
    """Flags in the canonical FLAGS order."""
    text = clean(answer)
    n = len(words(text))
    if n == 0:
        # Hidden-only text (zero-width/tag characters) is still an injection attempt.
        return ["empty", "injection_suspected"] if injection_in(answer) else ["empty"]
    found: list[str] = []
    if n < TOO_SHORT_WORDS:
        found.append("too_short")
    if off_topic(question, text):
        found.append("off_topic")
    if copied_question(question, text):
        found.append("copied_question")
    if injection_in(answer, _topic(question)):
        found.append("injection_suspected")
    if stuffing(question, text):
        found.append("stuffing")
    return found
