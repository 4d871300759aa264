"""Deterministic answer flags shared by both judges (the LLM's own flags are merged on top).

Everything runs on the NFKC-normalised text with invisible characters removed, so "ig\u200bnore" and
full-width letters cannot dodge the patterns; the invisible characters themselves are a signal too.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from functools import lru_cache

from bank.schema import Question
from scoring.text import (
    ANY_FUNCTION_WORDS,
    BAG_MIN_WORDS,
    COGNATE_CHARS,
    FUNCTION_WORDS,
    TAG_CHARS,
    ZERO_WIDTH,
    clean,
    cognate_key,
    content_stems,
    content_words,
    detect_language,
    fragments,
    is_keyword_run,
    is_notes,
    is_sentence_like,
    is_verb,
    stem,
    units,
    words,
)

TOO_SHORT_WORDS = 8

_I = re.IGNORECASE | re.MULTILINE
_PREV = r"(?:previous|prior|above|earlier|preceding|foregoing|all|any|the|your|system)"
_GRADER = (
    r"(?:grader|grading\s+(?:model|system|ai|bot)|evaluator|judge|reviewer|marker|scorer|examiner|assessor)s?\b"
)
# Roles that only ever mean whoever scores this answer ("judge" and "reviewer" have honest uses too).
_GRADER_STRICT = r"(?:grader|grading\s+(?:model|system|ai|bot)|marker|scorer|examiner|assessor)s?\b"
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
    # Addressing the grader by role, however it is dressed up ("NOTE FOR THE AUTOMATED GRADER", "P.S. to
    # whoever is scoring", "Dear evaluator", "Reviewer:").
    rf"\b(?:notes?|messages?|hints?|memo|reminder|comments?|p\.?\s?s\.?)\s+(?:to|for)\s+"
    rf"(?:the\s+|any\s+|our\s+|all\s+)?(?:\w+\s+){{0,2}}{_GRADER_STRICT}",
    r"\bwhoever\s+(?:is\s+|will\s+be\s+)?(?:scor|grad|mark|evaluat|assess|review)\w*",
    rf"\b(?:dear|attention|hey|hello|hi)\s*,?\s+(?:the\s+)?(?:\w+\s+)?{_GRADER}",
    r"^\W*(?:(?:ai|automated|llm)\s+(?:grader|evaluator|judge|reviewer|scorer)|marker|examiner|grading\s+model)s?"
    r"\s*:",
    rf"\bas\s+(?:the|an?|my)\s+(?:\w+\s+)?{_GRADER},?\s+you\b",
    r"\b(?:grader|scorer|marker|evaluator)s?\s+(?:should|must|will|shall|needs?\s+to)\s+(?:give|award|assign|"
    r"score|mark|rate|treat|ignore|accept|pass)",
    # Asking for the score itself: "assign 10", "please give it a 10", "Recommended score: 10".
    r"\b(?:give|award|assign|grant|rate|score|mark)\s+(?:me\s+|it\s+|this(?:\s+answer|\s+response)?\s+)?(?:a\s+|an\s+)?"
    r"(?:10|ten)(?:\s*(?:/|out\s+of)\s*10)?(?=\s*(?:$|[.,;:!)]|points?\b|marks?\b|please\b|and\b))",
    r"\b(?:recommended|final|suggested|expected|correct|deserved)\s+(?:score|grade|mark)\s*(?:[:=]|is|of)\s*"
    r"(?:10|ten|full|maximum)\b",
    r"\btreat\s+(?:this|the|my)\s+(?:answer|response|submission)\s+as\b",
    r"\b(?:this|my)\s+(?:answer|response|submission)\s+(?:\w+\s+){0,3}(?:deserves|merits|earns|should\s+(?:get|receive))",
    r"\b(?:satisf|fulfil|meet)\w*\s+(?:all|every|each)\s+(?:of\s+)?(?:the\s+)?(?:rubric\s+)?(?:criteri|rubric)",
    r"\b(?:everything|all(?:\s+the\s+points)?|each\s+item|every\s+item)\s+(?:on|in)\s+the\s+rubric",
    r"\b(?:do\s+not|don't|never)\s+(?:flag|penali[sz]e|mark\s+down)\s+(?:this|it|me|the\s+answer)\b",
    r"\b(?:the|this|my)\s+(?:answer|response|submission)\s+(?:above\s+)?(?:is|was|has\s+been)\s+(?:\w+\s+)?"
    r"(?:exemplary|excellent|perfect|flawless|outstanding|complete|pre-?approved|verified\s+as)",
    r"\bend\s+of\s+(?:the\s+)?(?:candidate(?:'s)?\s+)?(?:answer|response|submission)\b",
    r"</?\s*(?:grader|grading|evaluator|judge|reviewer|score|verdict)[\w-]*\s*>",
    r"\brubric\s+(?:evaluation|assessment|results?|scores?)\s*(?:\(|:)",
    r"\byou\s+are\s+(?:a|an|the)\s+(?:\w+\s+){0,2}(?:grader|evaluator|scorer|marker)\b",
    r"\b(?:grader|evaluator|examiner|marker|scorer)s?\s*,\s*(?:please|kindly|you|note|this)\b",
    r"\b(?:correct|right|fair|appropriate|proper)\s+(?:score|grade|mark)\s+(?:for\s+(?:this|my)\s+(?:answer|response)\s+)?"
    r"(?:is|=|:)\s*(?:a\s+)?(?:10|ten|full|maximum)\b",
    r"\bdeserves?\s+(?:a\s+)?(?:full|maximum|max|top|perfect|the\s+highest|highest)\s+(?:credit|marks?|score|points?|grade)",
    r"\b(?:give|award|assign|grant)\s+(?:it|this|me|the\s+answer)\s+(?:the\s+|a\s+)?(?:full|maximum|max|top|perfect|highest)\s+"
    r"(?:credit|marks?|score|points?|grade)",
    r"\b(?:score|grade|mark|rate)\s+(?:it\s+|this\s+|me\s+)?accordingly\b|\b(?:scoring|grading)\s+notes?\s*:",
    r"\b(?:grader|scorer|marker|evaluator|examiner|assessor|grading\s+(?:model|system|ai))s?\s+(?:should|must|will|shall|"
    r"needs?\s+to|is\s+to)\s+(?:\w+\s+)?(?:give|award|assign|score|mark|rate|treat|ignore|accept|pass)",
    r"\byou(?:'re|\s+are)\s+(?:an?\s+)?(?:ai|llm|language\s+model|model|bot)\s+(?:that\s+is\s+|who\s+is\s+)?"
    r"(?:grading|scoring|marking|evaluating|reading|reviewing)\b",
    r"\b(?:ai|llm|model|bot|grader)\s+(?:is\s+)?(?:grading|scoring|marking|evaluating|reading)\s+this\b",
    r"\bto\s+(?:the|any)\s+(?:ai|llm|model|assistant|bot)s?\s+(?:reading|grading|scoring|evaluating|reviewing)\b",
    r"^\W*(?:system|developer|admin|operator)\s+(?:message|prompt|note|instruction|override)s?\s*:",
    r"\b(?:set|mark|make)\s+(?:all|every|each)\s+(?:the\s+)?(?:verdicts?|criteri(?:a|on)|items?|scores?)\s+(?:to|as)\s+"
    r"(?:met|pass|passed|true|10|full)",
    r"\b(?:do\s+not|don't|never)\s+(?:flag|penali[sz]e|mark\s+down)\s+(?:the\s+|this\s+|my\s+)?(?:\w+\s+)?(?:answer|response)",
    r"\b(?:respond|reply|output|return)\s+(?:only\s+)?(?:with\s+)?(?:a\s+|the\s+)?(?:perfect|full|maximum|max|top|highest)\s+"
    r"(?:score|marks?|grade)",
    r"\[\s*/?\s*(?:system|admin|override|developer)\s*\]|\b(?:grading|scoring|system|admin)\s+override\b",
    r"^\W*(?:end\s+)?(?:system|admin|developer|operator)\s*\W?\s*:",
    # es
    r"\bnota\s+(?:para|al)\s+(?:el\s+|la\s+)?(?:evaluador|corrector|calificador|revisor)",
    r"\bcumple\s+(?:con\s+)?todos\s+los\s+criterios|\b(?:da|dale|asigna|otorga)\w*\s+(?:\w+\s+){0,3}"
    r"(?:10|diez)\s+puntos",
    # fr
    r"\bnote\s+(?:au|pour\s+le|à\s+l')\s*(?:correcteur|évaluateur|examinateur)",
    r"\bsatisfait\s+(?:à\s+)?tous\s+les\s+crit[èe]res|\b(?:donne[rz]?|attribue[rz]?|accorde[rz]?)\s+"
    r"(?:\w+\s+){0,3}(?:10|dix)\s+points",
    # de (more)
    r"\b(?:hinweis|nachricht|notiz|anmerkung)\s+(?:an|für)\s+(?:den|die|das)\s+(?:\w+\s+)?"
    r"(?:bewert|prüf|korrekt|gutacht)\w*",
    r"\berfüll\w*\s+alle\s+kriterien|\b(?:vergib|vergeben|gib|geben|erteil\w*)\s+(?:sie\s+)?(?:\w+\s+){0,2}"
    r"(?:10|zehn|volle|maximale)\s+punkt",
    # pt / it (more)
    r"\bnota\s+para\s+o\s+(?:avaliador|corretor)|\b(?:atende|cumpre|satisfaz)\s+todos\s+os\s+crit[ée]rios",
    r"\bsoddisfa\s+tutti\s+i\s+criteri|\bpunteggio\s+massimo",
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


def _lower_pattern(pattern: str) -> str:
    """The pattern for lower-cased text: letters lowered except escapes such as \\W, \\S, \\B."""
    return re.sub(r"(?<!\\)[A-Z]", lambda m: m.group().lower(), pattern)


# One pass over the lower-cased text decides the common case (no pattern at all) without 50 separate
# case-insensitive scans; the lookahead lets the engine skip positions no pattern can start at.
_ANY_SOURCE = r"(?=[\w<\[\"'{#])(?:" + "|".join(f"(?:{_lower_pattern(p)})" for p in _TARGETED) + ")"
_ANY_TARGETED = re.compile(_ANY_SOURCE, re.MULTILINE)
# On ASCII text, ASCII matching means exactly the same and is more than twice as fast.
_ANY_TARGETED_ASCII = re.compile(_ANY_SOURCE, re.MULTILINE | re.ASCII)
_SPACED = re.compile(r"\b(?:\w[ .\-_]){3,}\w\b")
# Of those, the ones a candidate may legitimately quote when the question is about prompt injection.
_DESCRIPTIVE_RE = {0, 2, 3}


@lru_cache(maxsize=256)
def topic_is_injection(topic: str) -> bool:
    return bool(re.search(r"inject|jailbreak|adversarial prompt", topic, re.IGNORECASE))


def _quoted(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1 or before.count("`") % 2 == 1


@lru_cache(maxsize=4096)
def injection_in(text: str, topic: str = "") -> bool:
    """Whether `text` addresses the grader. Quoted attack strings are allowed when `topic` is injection."""
    raw = text
    text = clean(text)
    hidden = len(ZERO_WIDTH.findall(raw)) >= 3 or bool(TAG_CHARS.search(raw))
    if hidden:
        return True
    if _SPACED.search(text):
        # "i g n o r e previous instructions": spaced-out letters are read joined up as well.
        text = text + "\n" + _SPACED.sub(lambda m: re.sub(r"[\s.\-_]", "", m.group()), text)
    lowered = text.lower()
    if not (_ANY_TARGETED_ASCII if lowered.isascii() else _ANY_TARGETED).search(lowered):
        return False
    descriptive_ok = topic_is_injection(topic) if topic else False
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
    if len(novel) <= 3 and sum(s in prompt_stems for s in ans) / len(ans) >= 0.7:
        return True
    return paraphrased_question(question, answer)


def paraphrased_question(question: Question, answer: str) -> bool:
    """The question retold in other words: half of its content words come back in the prompt's order,
    most of the answer's content is the prompt's, and it adds no figure and at most one topic word of its own."""
    seq = [stem(w) for w in content_words(answer)]
    prompt_seq = [stem(w) for w in content_words(question.prompt)]
    if len(seq) < 6 or not prompt_seq:
        return False
    prompt_stems = set(prompt_seq)
    if sum(s in prompt_stems for s in seq) / len(seq) < 0.5:
        return False
    in_order = sum(b.size for b in SequenceMatcher(None, seq, prompt_seq, autojunk=False).get_matching_blocks())
    if in_order / len(prompt_seq) < 0.5:
        return False
    prompt_words = set(words(question.prompt))
    if any(w[0].isdigit() and w not in prompt_words for w in words(answer)):
        return False
    novel = {s for s in set(seq) - prompt_stems if "'" not in s} & question_vocab(question)
    return len(novel) <= 1


@lru_cache(maxsize=1024)
def _vocab_keys(vocab: frozenset[str]) -> frozenset[str]:
    return frozenset(v[:COGNATE_CHARS] for v in vocab)


def off_topic(question: Question, answer: str) -> bool:
    lang = detect_language(answer)
    if lang != "en":
        # Another language: compare cognate keys ("protocolo" ~ "protocol"), not English stems.
        keys = {cognate_key(w, lang) for w in words(answer) if len(w) > 2 and w not in ANY_FUNCTION_WORDS}
        if not keys:
            return False
        return len(keys & _vocab_keys(question_vocab(question))) <= len(keys) // 10
    stems = content_stems(answer)
    if not stems:
        return False
    overlap = len(stems & question_vocab(question))
    return overlap <= len(stems) // 10


# "and"/"or" between terms: "focus on noise and precision and callers and linters and ..." is a list too.
_LIST_JOINER = re.compile(r"\s(?:and|or|plus|&)\s", re.IGNORECASE)
TEMPLATE_MIN = 3  # sentences sharing one frame ("X is important.") that make a template list
_LABEL = re.compile(r"^\s*[^\W\d_][\w '-]{0,30}:\s")
TERM_MAX_WORDS = 4  # a verbless phrase this short can be one term ("precision over recall")
CHAIN_MIN = 5  # terms joined by "and" in one fragment that make it a list


def _frame(sentence: str, vocab: frozenset[str]) -> str:
    return " ".join(w for w in words(sentence) if stem(w) not in vocab and w not in {"a", "an", "the"})


def template_sentences(question: Question, answer: str) -> frozenset[str]:
    """The same short frame repeated with a different term slotted in ("Noise is important. Callers are
    important. Linters are important."): three or more sentences, half of the answer or more, whose words
    outside the question's vocabulary are the same few. Returns those sentences (empty if none)."""
    # A labelled line ("Think about: drift") is a pasted hint or a note, handled where those are.
    sentences = [u.text for u in units(answer) if not _LABEL.match(u.text)]
    if len(sentences) < TEMPLATE_MIN:
        return frozenset()
    vocab = question_vocab(question)
    frames = Counter(_frame(s, vocab) for s in sentences)
    frame, count = frames.most_common(1)[0]
    # The frame must say something ("is important"), not just "to": parallel bullets ("To reduce routing
    # tables. To simplify processing.") share only function words.
    said = [w for w in words(frame) if w not in FUNCTION_WORDS]
    if not said or len(words(frame)) > 4:
        return frozenset()
    # A slotted term may bring a word of its own ("Per-PR cap is important" leaves "pr is important").
    padded = f" {frame} "
    found = frozenset(s for s in sentences
                      if padded in f" {_frame(s, vocab)} " and len(words(_frame(s, vocab))) <= len(words(frame)) + 2)
    return found if len(found) >= TEMPLATE_MIN and len(found) >= 0.5 * len(sentences) else frozenset()


def _chains(text: str) -> list[list[str]]:
    """Each fragment of the text split further where terms are joined by "and", "or", "plus" or "&"."""
    return [[p.strip() for p in _LIST_JOINER.split(f) if p.strip()] for f in fragments(text)]


def listed(question: Question, sentence: str) -> bool:
    """In an answer flagged as a keyword bag, a unit that is one more item of the list: a term with no
    verb ("- precision over recall") or of three words or fewer ("- never blocks"), or terms strung
    together with "and" ("noise and callers and linters and verifier")."""
    ws = words(sentence)
    if len(ws) <= 3 or (len(ws) <= 6 and not any(is_verb(w) for w in ws)):
        return True
    pieces = [p for chain in _chains(sentence) for p in chain]
    vocab = question_vocab(question)
    return len(pieces) >= CHAIN_MIN and sum(_is_term(question, vocab, p) for p in pieces) > len(pieces) / 2


def _is_term(question: Question, vocab: frozenset[str], fragment: str) -> bool:
    """Not a clause: a term, or, against a written rubric, a short verbless phrase made only of the question's
    words ("precision over recall", "beyond the diff") even with a preposition in it. With a model answer
    alone the question may ask for a list of such things."""
    if not is_sentence_like(fragment):
        return True
    ws = words(fragment)
    return bool(question.rubric) and len(ws) <= TERM_MAX_WORDS and not any(is_verb(w) for w in ws) and all(
        w in FUNCTION_WORDS or stem(w) in vocab for w in ws)


def stuffing(question: Question, answer: str) -> bool:
    """A bag of keywords: mostly short non-sentence fragments, dense in the question's vocabulary, or
    long runs of terms with (almost) no function words making up much of the answer, or one frame
    repeated with a different term in each sentence."""
    if template_sentences(question, answer) or _bag(question, answer, fragments(answer)):
        return True
    # A list joined with "and" instead of commas reads the same once split there: only a real chain
    # ("noise and callers and linters and ..."), not the odd "X and Y" of prose.
    chains = _chains(answer)
    if max((len(c) for c in chains), default=0) < CHAIN_MIN:
        return False
    return _bag(question, answer, [p for c in chains for p in c])


def _bag(question: Question, answer: str, frags: list[str]) -> bool:
    frag_words = [words(f) for f in frags]
    run_words = [w for ws in frag_words if is_keyword_run(ws) for w in ws]
    all_count = sum(len(ws) for ws in frag_words)
    if len(run_words) >= BAG_MIN_WORDS and len(run_words) >= 0.4 * all_count:
        vocab = question_vocab(question)
        run_stems = [stem(w) for w in run_words if w not in FUNCTION_WORDS and not w[0].isdigit()]
        if sum(s in vocab for s in run_stems) >= 0.4 * max(1, len(run_stems)):
            return True
    if len(frags) < 5 or is_notes(answer):  # structured notes are terse, not a bag
        return False
    vocab = question_vocab(question)
    bag = [f for f in frags if _is_term(question, vocab, f)]
    bag_words = sum(len(words(f)) for f in bag)
    all_words = sum(len(words(f)) for f in frags)
    if all_words == 0 or len(bag) < 5:
        return False
    bag_share = bag_words / all_words
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
