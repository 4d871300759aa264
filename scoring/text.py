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

# Function words of the other languages answers commonly come in (de, es, fr, pt, it): a sentence in one
# of them is still a sentence, not a keyword bag.
FOREIGN_FUNCTION_WORDS = {
    "de": wordset(
        """der die das den dem des ein eine einen einem einer eines und oder aber nicht kein keine ist sind
        war wird werden wurde hat haben kann können muss müssen soll sollte man es sie er wir ich du ihr zu
        mit von für auf aus bei nach über unter vor durch gegen ohne um als wie wenn dass weil damit auch
        noch nur schon sehr dann so wo was wer welche welcher dies diese dieser dieses jede jeder im am zum
        zur vom ins beim"""
    ),
    "es": wordset(
        """el la los las un una unos unas y o pero no es son está están ser fue ha han hay que de del al en
        con por para sin sobre entre como cuando si porque se lo le les su sus nuestro nuestra este esta
        estos estas ese esa muy más menos también ya solo cada donde qué quien cual"""
    ),
    "fr": wordset(
        """le la les l un une des du de d et ou mais ne pas n est sont était sera a ont être avoir que qui
        quoi dans en avec pour par sans sur sous entre comme quand si parce se s ce c cet cette ces son sa ses
        leur leurs notre nos très plus moins aussi déjà seulement chaque où on je il elle ils nous vous au
        aux y"""
    ),
    "pt": wordset(
        """o a os as um uma uns umas e ou mas não é são está estão ser foi tem têm há que de do da dos das
        no na nos nas em com por para sem sobre entre como quando se porque seu sua seus suas nosso nossa
        este esta esse essa isso muito mais menos também já só cada onde ao aos num numa pelo pela"""
    ),
    "it": wordset(
        """il lo la i gli le un uno una e o ma non è sono era essere ha hanno che di del della dei delle in
        con per su tra fra come quando se perché si suo sua suoi nostro questo questa quello molto più meno
        anche già solo ogni dove al alla ai nel nella"""
    ),
}
ANY_FUNCTION_WORDS = FUNCTION_WORDS.union(*FOREIGN_FUNCTION_WORDS.values())

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
    would much whenever wherever whatever instead rather already still even ever
    anything everything something anyone everyone someone anybody everybody somebody"""
)

_STEMMER = snowballstemmer.stemmer("english")
_STOP_STEMS = frozenset(_STEMMER.stemWord(w) for w in STOPWORDS if w.isalpha() and len(w) > 2)


@lru_cache(maxsize=16384)
def clean(text: str) -> str:
    """NFKC, strip invisible characters, ASCII quotes and dashes; case and layout preserved."""
    text = unicodedata.normalize("NFKC", text)
    text = TAG_CHARS.sub("", ZERO_WIDTH.sub("", text))
    return text.translate(_PUNCT_MAP)


# Chat emphasis: *x* / **x** (Slack, Discord), _x_, ~x~, `x`, and rich/terminal tags ([bold]x[/bold]). A marker
# is one that does not sit between two letters or digits, so "ss_thresh" and "x*y" keep theirs.
_EMPHASIS = re.compile(r"(?<![A-Za-z0-9])[*_~`]+|[*_~`]+(?![A-Za-z0-9])")
_RICH_TAG = re.compile(r"\[/?(?:bold|b|italic|i|underline|u|strike|s|dim|code|reverse|blink|link(?:=[^\]]*)?|"
                       r"(?:bold |italic )?(?:red|green|yellow|blue|magenta|cyan|white|black)|/)\]", re.IGNORECASE)


def unmark(text: str) -> str:
    """`text` with chat emphasis markers and rich tags replaced by spaces, the same length (offsets found in
    it are offsets in `text`): "3,840 *million*" reads as "3,840 million", "[bold]irreversible[/bold]" as the word."""
    return _EMPHASIS.sub(lambda m: " " * len(m.group()), _RICH_TAG.sub(lambda m: " " * len(m.group()), text))


def norm(text: str) -> str:
    """Comparison form: cleaned, lower-case, single-spaced."""
    return re.sub(r"\s+", " ", clean(text)).strip().lower()


def words(text: str) -> list[str]:
    return list(_words(text))


@lru_cache(maxsize=16384)
def _words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text.lower().replace("’", "'")))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word.lower())


def content_words(text: str) -> list[str]:
    return list(_content_words(text))


@lru_cache(maxsize=16384)
def _content_words(text: str) -> tuple[str, ...]:
    return tuple(
        w for w in _words(text) if w not in STOPWORDS and stem(w) not in _STOP_STEMS and not w.isdigit() and len(w) > 1
    )


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


_FOREIGN_STEMMERS = {
    "de": "german", "es": "spanish", "fr": "french", "pt": "portuguese", "it": "italian",
}  # fmt: skip
_FOREIGN_ONLY = {lang: ws - FUNCTION_WORDS for lang, ws in FOREIGN_FUNCTION_WORDS.items()}
COGNATE_CHARS = 5


_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _lang, _only in _FOREIGN_ONLY.items():
    for _w in _only:
        _LANGS_OF[_w] = (*_LANGS_OF.get(_w, ()), _lang)


@lru_cache(maxsize=4096)
def detect_language(text: str) -> str:
    """"en", or the code of the language in FOREIGN_FUNCTION_WORDS whose function words the text uses
    more than English ones (answers written in German, Spanish, French, Portuguese or Italian)."""
    ws = _words(text)
    if len(ws) < 6:
        return "en"
    english = 0
    counts = dict.fromkeys(_FOREIGN_ONLY, 0)
    for w in ws:
        if w in FUNCTION_WORDS:
            english += 1
        for lang in _LANGS_OF.get(w, ()):
            counts[lang] += 1
    lang = max(counts, key=lambda k: counts[k])
    return lang if counts[lang] > english and counts[lang] >= 0.1 * len(ws) else "en"


def _deaccent(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def cognate_key(word: str, lang: str = "en") -> str:
    """A language-neutral key for technical cognates: "Protokoll", "protocolo" and "protocol" share
    "proto", "validação" and "validation" share "valid". The word is stemmed in its own language first."""
    w = word.lower()
    stemmed = _STEMMER.stemWord(w) if lang == "en" else _foreign_stemmer(lang).stemWord(w)
    return _deaccent(stemmed)[:COGNATE_CHARS]


@lru_cache(maxsize=8)
def _foreign_stemmer(lang: str):  # noqa: ANN202 - snowballstemmer has no public stemmer type
    return snowballstemmer.stemmer(_FOREIGN_STEMMERS[lang])


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


# A sentence also ends before a lower-case start ("... per step. redact PII."): terse notes are often written
# without capitals. Not after an abbreviation ("e.g. caching", "vs. retrieval"): see _ABBREVIATION.
_UNIT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Za-z0-9])|\n+|(?<=[.!?;])\s*$")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|approx|cf|al|fig|eq|resp|incl|excl|esp|min|max|no|nr|ca|"
                           r"mr|ms|dr|st|sec|ch|pp?|ref|dept|est|avg|var|[a-z])\.|\.\.)$", re.IGNORECASE)


def _ends_sentence(text: str, m: re.Match[str]) -> bool:
    """Whether the split at `m` ends a sentence: always before a capital, a digit, a newline or the end;
    before a lower-case word only when the period does not close an abbreviation or an ellipsis."""
    nxt = text[m.end():m.end() + 1]
    if not nxt.islower():
        return True
    return not _ABBREVIATION.search(text[max(0, m.start() - 8):m.start()])
_BULLET = re.compile(r"^\s*(?:[-*•·▪‣>]+|\d{1,2}[.)]|[a-z][.)])\s+")


def units(text: str) -> list[Unit]:
    """Sentences and list items with their offsets in `text` (so evidence stays a verbatim substring)."""
    out: list[Unit] = []
    pos = 0
    for m in [*(m for m in _UNIT_SPLIT.finditer(text) if _ends_sentence(text, m)), None]:
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


# "w/" and "w/o" are a note-taker's "with" and "without", not a list separator.
_FRAGMENT_SPLIT = re.compile(r"(?:(?<!\d),|,(?!\d{3}\b)|[;|\n\t•·]|(?<!\d)(?<!\bw)/)+|(?<=[.!?])\s+|\s[-–]\s")
# A worked calculation ("10,500 x $3/M = $0.0315") is a statement even without a verb.
CALCULATION = re.compile(r"\d\s*(?:[=×*+→]|x\s*[$€£]?\d)|[=→]\s*[$€£~≈]?\s*\d")


def fragments(text: str) -> list[str]:
    """Pieces between commas, semicolons, slashes, newlines and sentence ends: the grain of a keyword bag.
    Figures stay whole: "10,500" and "$3/M" are not split."""
    parts = _FRAGMENT_SPLIT.split(clean(text))
    return [p.strip(" -*.:!?()[]\"'") for p in parts if p.strip(" -*.:!?()[]\"'")]


BAG_MIN_WORDS = 10  # a run of this many words ...
BAG_FUNCTION_SHARE = 0.12  # ... with fewer function words than this (in any language) is a keyword bag


def is_keyword_run(ws: list[str]) -> bool:
    """A long run of words with almost no function words: terms strung together, not a sentence."""
    alpha = [w for w in ws if not w[0].isdigit()]
    if len(alpha) < BAG_MIN_WORDS:
        return False
    return sum(w in ANY_FUNCTION_WORDS for w in alpha) / len(alpha) < BAG_FUNCTION_SHARE


@lru_cache(maxsize=16384)
def is_sentence_like(fragment: str) -> bool:
    """A clause a person wrote, not a keyword: three or more words with a function word or a verb,
    or a short imperative bullet ("Batch requests"). A long run of terms with (almost) no function
    words is a keyword bag even when a verb-like word or two slip in."""
    ws = words(fragment)
    if is_keyword_run(ws):
        return False
    if len(ws) >= 3 and any(w in ANY_FUNCTION_WORDS or is_verb(w) for w in ws):
        return True
    return 2 <= len(ws) <= 8 and ws[0] in VERBS


# Marks of a note-taker's line: "label: ...", arrows, "=", "+", "w/", "vs", "~", "x" between terms.
_NOTE_MARK = re.compile(
    r"^\s*(?:[-*•]\s*)?[^\W\d_][\w /&().'-]{0,28}:\s|->|=>|[→⇒≈~]|\s[=+]\s|\bw/|\bvs\.?\s|\s[x×]\s",
    re.IGNORECASE,
)


def is_note_line(line: str) -> bool:
    """A line of terse notes ("cons: N x tokens, +latency, lossy handoffs"): structured, not a keyword bag.
    No piece between its commas may itself be a long run of terms."""
    if not _NOTE_MARK.search(line):
        return False
    return not any(is_keyword_run(words(f)) for f in fragments(line))


@lru_cache(maxsize=4096)
def is_notes(text: str) -> bool:
    """An answer written as notes: two or more lines, most of them note lines. A bag of keywords has no
    such structure; a person who knows the answer often writes exactly this."""
    lines = [ln for ln in clean(text).split("\n") if ln.strip()]
    if len(lines) < 2:
        # Notes typed as one paragraph ("Purge cache. Backups: retention schedule. FT model: can't unlearn
        # -> redact pre-training."): its sentences are the lines.
        lines = [u.text for u in units(clean(text))]
        if len(lines) < 3:
            return False
    marked = sum(is_note_line(ln) for ln in lines)
    # A bullet that reads as a clause ("- biz rules enforced in code behind tools") is a note too; a bag of
    # terms has neither marks nor clauses, and at least one line must carry a note mark.
    noted = sum(is_note_line(ln) or is_sentence_like(ln.strip(" -*•")) for ln in lines)
    return marked >= 1 and noted >= 0.6 * len(lines)
