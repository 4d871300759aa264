"""The bit-parallel substring edit distance equals the plain dynamic-programming table it replaces."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from scoring.editdistance import min_substring_edits


def sellers(pattern: str, text: str) -> int:
    """Reference: Sellers' O(m*n) table, first row zero so a match may start anywhere in `text`."""
    prev = [0] * (len(text) + 1)
    for i, pc in enumerate(pattern, 1):
        cur = [i] + [0] * len(text)
        for j, tc in enumerate(text, 1):
            cur[j] = min(prev[j - 1] + (pc != tc), prev[j] + 1, cur[j - 1] + 1)
        prev = cur
    return min(prev)


# A small alphabet makes near matches common; "é" and " " check that characters are not bytes or words.
SMALL = st.text(alphabet="abcé ", max_size=40)


@settings(max_examples=600, deadline=None)
@given(SMALL, SMALL)
@example("", "")
@example("", "abc")
@example("abc", "")
@example("a", "a")
@example("kitten", "sitting")
@example("abcabc", "xxabcabcxx")
def test_equals_the_dynamic_programming_table(pattern: str, text: str) -> None:
    assert min_substring_edits(pattern, text) == sellers(pattern, text)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab", min_size=60, max_size=150), st.text(alphabet="ab", max_size=200))
def test_patterns_wider_than_a_machine_word(pattern: str, text: str) -> None:
    # Quotes are often longer than 64 characters: the bit vectors must not be truncated to one word.
    assert min_substring_edits(pattern, text) == sellers(pattern, text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcd", min_size=1, max_size=30), st.text(alphabet="abcd", max_size=30),
       st.text(alphabet="abcd", max_size=30))
def test_an_embedded_pattern_costs_nothing(pattern: str, before: str, after: str) -> None:
    assert min_substring_edits(pattern, before + pattern + after) == 0


def test_known_distances() -> None:
    assert min_substring_edits("prompt cache", "the provider's prompt cache can") == 0
    assert min_substring_edits("prompt cahce", "the provider's prompt cache can") == 2
    assert min_substring_edits("promt cache", "the provider's prompt cache can") == 1
    assert min_substring_edits("abc", "") == 3  # only the empty substring
    assert min_substring_edits("", "anything") == 0
