"""Approximate substring matching: the fewest edits that turn a pattern into some substring of a text.

Myers' bit-parallel algorithm (J. ACM 46(3), 1999), in the search form where a match may start anywhere in
the text: each text character updates the whole column of the dynamic-programming table at once, held as
bit vectors of vertical +1/-1 deltas (a Python int is as wide as the pattern). It computes exactly what
Sellers' O(len(pattern) * len(text)) table does, in O(len(text)) big-int operations.
"""

from __future__ import annotations


def min_substring_edits(pattern: str, text: str) -> int:
    """Smallest Levenshtein distance between `pattern` and any substring of `text` (the empty one included)."""
    m = len(pattern)
    if m == 0:
        return 0
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    peq: dict[str, int] = {}  # character -> bit i set where pattern[i] is that character
    for i, ch in enumerate(pattern):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    pv, mv = mask, 0  # vertical deltas of the first column (0, 1, 2, ... m): all +1
    score = best = m  # the last row's value in the current column
    for ch in text:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = ((((eq & pv) + pv) ^ pv) | eq) & mask
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
            if score < best:
                best = score
        # The first row is all zeros (a match may start anywhere): nothing enters at the bottom bit.
        ph = (ph << 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return best
