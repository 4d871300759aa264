"""The judges stem with the C Snowball stemmers (PyStemmer), which give the pure-Python ones' stems.

Cold stemming was about a tenth of the LLM judge's CPU per answer; snowballstemmer hands out PyStemmer's
stemmers when it is installed, so a missing install is a silent slowdown: tested here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import snowballstemmer

from scoring import text

ROOT = Path(__file__).resolve().parents[2]


def test_the_c_stemmer_is_in_use() -> None:
    assert type(text._STEMMER).__module__ == "Stemmer"


def _vocabulary() -> list[str]:
    words: set[str] = set()
    for path in sorted((ROOT / "bank").rglob("*.yaml")):
        words |= set(re.findall(r"[a-zà-ÿ0-9']+", path.read_text(encoding="utf-8").lower()))
    return sorted(words)


@pytest.mark.parametrize("lang", ["english", *sorted(text._FOREIGN_STEMMERS.values())])
def test_same_stems_as_the_pure_python_snowball(lang: str) -> None:
    module = __import__(f"snowballstemmer.{lang}_stemmer", fromlist=["_"])
    pure = getattr(module, f"{lang.capitalize()}Stemmer")()
    fast = snowballstemmer.stemmer(lang)
    vocabulary = _vocabulary()
    assert len(vocabulary) > 2000
    assert [fast.stemWord(w) for w in vocabulary] == [pure.stemWord(w) for w in vocabulary]
