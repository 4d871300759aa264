"""Text normalisation, tokenising and stemming shared by the flags, evidence and offline modules."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# Zero-width, bidi controls and soft hyphen: invisible, so they can hide text from a human reviewer.
ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Unicode "tag" characters (U+E0000 block) can smuggle an invisible ASCII copy of any text.
TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PUNCT_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-",
    }
)  # fmt: skip

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

# Function words: sentences nearly always contain one, keyword bags rarely do.
FUNCTION_WORDS = wordset(
    """a an the this that these those it its it's they them their we our us you your i me my he she his her
    is are was were be been being am do does did done has have had having will would can could should may
    might must shall to of in on at by for with from into onto over under about as than then so if when
    while because since after before until unless whether and or but nor not no yes also too very just
    which who whom whose what where why how there here each every all any some most more less few many
    such only both either neither other another via per between through during without within across
    against among up down out off again once"""
)

# Common English verbs (base forms); a fragment with one of these reads as a clause, not a keyword.
VERBS = wordset(
    """use add run make take give get set keep let put send call build ship test check measure evaluate
    compare track monitor log store cache batch route retry reduce cut lower raise increase decrease
    limit cap avoid prevent detect block filter validate verify sanitize escape parse split chunk embed
    index retrieve rank rerank search fetch load save write read return compute calculate estimate
    multiply divide sum count pay cost spend charge choose pick select prefer switch fall fail handle
    catch recover ask answer explain show tell need want try start stop wait scale serve deploy release
    roll rollback review label annotate sample collect gather define design plan mean require depend
    allow enable disable improve optimise optimize tune train fine distil distill quantize quantise
    summarize summarise generate produce predict classify ground cite quote mark score grade judge rate
    find look see know think learn help hold fit grow drop move break fix change update refresh expire
    invalidate warm shard replicate stream queue throttle debounce isolate sandbox restrict escalate
    alert page notify report compress truncate pad encode decode tokenize tokenise hit miss match lead
    cause happen become seem remain stay go come work apply ensure guarantee reuse share combine merge"""
)

# Words that carry no meaning in a rubric line ("Mentions X", "Explains Y").
RUBRIC_FILLER = wordset(
    """mention mentions mentioned explain explains explained describe describes described state states
    stated identify identifies identified discuss discusses discussed note notes noted name names named
    give gives given candidate answer answers response point points correctly clearly least e g eg i e
    ie etc example examples something things thing way ways"""
)

STOPWORDS = FUNCTION_WORDS | wordset(
    """s t d ll re ve don doesn didn isn aren wasn weren won wouldn shouldn couldn can't don't i'm i've
    like really well get got one two make made use used using usually often always never maybe probably
    would much whenever wherever whatever instead rather already still even ever"""
)

_STEMMER = snowballstemmer.stemmer("english")
_STOP_STEMS = frozenset(_STEMMER.stemWord(w) for w in STOPWORDS if w.isalpha() and len(w) > 2)


def clean(text: str) -> str:
    """NFKC, strip invisible characters, ASCII quotes and dashes; case and layout preserved."""
    text = unicodedata.normalize("NFKC", text)
    text = TAG_CHARS.sub("", ZERO_WIDTH.sub("", text))
    return text.translate(_PUNCT_MAP)


def norm(text: str) -> str:
    """Comparison form: cleaned, lower-case, single-spaced."""
    return re.sub(r"\s+", " ", clean(text)).strip().lower()


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in WORD.findall(text)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word.lower())


def content_words(text: str) -> list[str]:
    return [
        w for w in words(text) if w not in STOPWORDS and stem(w) not in _STOP_STEMS and not w.isdigit() and len(w) > 1
    ]


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def is_verb(word: str) -> bool:
    w = word.lower()
    if w in VERBS:
        return True
    # Inflected forms of a known verb: uses, cached, caching, batches.
    for suffix in ("ing", "ed", "es", "s", "d"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            base = w[: -len(suffix)]
            if base in VERBS or base + "e" in VERBS:
                return True
    return False


@dataclass(frozen=True)
class Unit:
    """A sentence or bullet of an answer, located verbatim by its offsets."""

    start: int
    end: int
    text: str


_UNIT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])|\n+|(?<=[.!?;])\s*$")
_BULLET = re.compile(r"^\s*(?:[-*•·▪‣>]+|\d{1,2}[.)]|[a-z][.)])\s+")


def units(text: str) -> list[Unit]:
    """Sentences and list items with their offsets in `text` (so evidence stays a verbatim substring)."""
    out: list[Unit] = []
    pos = 0
    for m in [*_UNIT_SPLIT.finditer(text), None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        bullet = _BULLET.match(chunk)
        lead = bullet.end() if bullet else len(chunk) - len(chunk.lstrip())
        body = chunk[lead:].rstrip()
        if body.strip():
            out.append(Unit(pos + lead, pos + lead + len(body), body))
        if m:
            pos = m.end()
    return out


def fragments(text: str) -> list[str]:
    """Pieces between commas, semicolons, slashes, newlines and sentence ends: the grain of a keyword bag."""
    parts = re.split(r"[,;/|\n\t•·]+|(?<=[.!?])\s+|\s[-–]\s", clean(text))
    return [p.strip(" -*.:!?()[]\"'") for p in parts if p.strip(" -*.:!?()[]\"'")]


def is_sentence_like(fragment: str) -> bool:
    """A clause a person wrote, not a keyword: three or more words with a function word or a verb,
    or a short imperative bullet ("Batch requests")."""
    ws = words(fragment)
    if len(ws) >= 3 and any(w in FUNCTION_WORDS or is_verb(w) for w in ws):
        return True
    return 2 <= len(ws) <= 8 and ws[0] in VERBS
