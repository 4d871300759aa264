"""A chained calculation is scored once (issue 19): a slip early on costs the step where it happens, not
every later step that carries the slipped figure forward correctly.

A question's numeric criteria form a chain when a later expected figure is an earlier one multiplied or
divided by a figure the question gives (suite run x 880 pull requests), or a given figure divided by it
(payback = cost / monthly saving); links compose, so step 3 follows from step 1 through step 2. When an
answer misses an earlier step's figure, writes a_j instead of e_j, and later states e_k x (a_j / e_j)
(or e_k x e_j / a_j for a divided link), the later step was done right from its own earlier figure and
earns its criterion. The earlier step still earns nothing, and a later figure off by any other factor
earns nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from scoring.numbers import figures_at, forms, matches, parse_figures
from scoring.rubric import RubricItem

CARRIED_NOTE = "carried forward from your earlier figure"
SLIP_HINT = "Recheck the first step of your calculation: the later steps followed correctly from its figure."


@dataclass(frozen=True)
class Link:
    """Rubric item `later`'s figure follows from item `earlier`'s: e_later = factor x e_earlier ** power."""

    earlier: int
    later: int
    power: int  # 1: multiplied or divided by a given figure; -1: a given figure divided by it


def _given(prompt: str) -> tuple[float, ...]:
    return tuple(sorted({f.value for f in parse_figures(prompt) if f.value > 0}))


@lru_cache(maxsize=512)
def chain_links(items: tuple[RubricItem, ...], prompt: str) -> tuple[Link, ...]:
    """Every pair of numeric criteria whose expected figures are one step (or several) of a chain apart."""
    given = _given(prompt)
    factors = [p for g in given for p in (g, 1 / g)]
    numeric = [k for k, item in enumerate(items) if item.number]
    direct: dict[tuple[int, int], int] = {}
    for pos, j in enumerate(numeric):
        for k in numeric[pos + 1:]:
            ej, ek, tol = items[j].number or 0.0, items[k].number or 0.0, items[k].tolerance
            for power in (1, -1):
                need = ek / ej**power
                # One given factor only: two would let unrelated pairs of figures pass as a chain by chance.
                if any(abs(f - need) <= tol * abs(need) for f in factors):
                    direct[(j, k)] = power
                    break
    links = dict(direct)
    changed = True
    while changed:  # compose j -> k -> l into j -> l
        changed = False
        for (j, k), p1 in list(links.items()):
            for (k2, m), p2 in list(links.items()):
                if k2 == k and (j, m) not in links:
                    links[(j, m)] = p1 * p2
                    changed = True
    return tuple(Link(j, k, p) for (j, k), p in sorted(links.items()))


@dataclass
class Carried:
    """A later step's figure carried forward: the answer units stating it, and the earlier steps it came from."""

    units: set[int]
    slipped: set[int]


def carried_units(
    items: Sequence[RubricItem], links: Sequence[Link], texts: Sequence[str], prompt: str
) -> dict[int, Carried]:
    """For each numeric criterion, the answer units (indexes into `texts`, the answer's creditable sentences
    in order) that state its figure as carried forward from the answer's own figure for a missed earlier
    step. Only figures the answer computed count as its earlier figure, not the question's given ones."""
    given = _given(prompt)
    located = [(u, pos, f) for u, text in enumerate(texts) for pos, f in figures_at(text)]
    out: dict[int, Carried] = {}
    for link in links:
        earlier, later = items[link.earlier], items[link.later]
        ej, ek = earlier.number or 0.0, later.number or 0.0
        if any(matches(f, ej, earlier.tolerance) for _, _, f in located):
            continue  # the earlier step is right (or not missed): nothing to carry
        if any(matches(f, ek, later.tolerance) for _, _, f in located):
            continue  # the later step is right on its own
        tolerance = earlier.tolerance + later.tolerance  # rounding at both steps adds up
        for u, pos, f in located:
            if f.value in given:
                continue
            for aj in forms(f, ej):
                if aj <= 0:
                    continue
                target = ek * (aj / ej) ** link.power
                found = {u2 for u2, pos2, f2 in located
                         if (u2, pos2) > (u, pos) and f2.value not in given and matches(f2, target, tolerance)}
                if found:
                    entry = out.setdefault(link.later, Carried(set(), set()))
                    entry.units |= found
                    entry.slipped.add(link.earlier)
    return out
