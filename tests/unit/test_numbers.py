"""Numbers in any unit and form: scale words, separators, currency, fractions and percentages."""

import pytest

from scoring.numbers import mentions_number, parse_figures, parse_numbers


@pytest.mark.parametrize("text", ["3,840 million tokens", "3.84 billion", "3.84B tokens", "3840M a month",
                                  "about 3.84 bn", "3\u202f840 million"])
def test_scale_words_and_suffixes_reach_the_same_value(text: str) -> None:
    assert mentions_number(text, 3.84e9, 0.02), text


@pytest.mark.parametrize("text", ["$1,350", "1.35k", "1350 USD", "$1.35 thousand", "€1\u00a0350"])
def test_money_in_any_form(text: str) -> None:
    assert mentions_number(text, 1350, 0.01), text


@pytest.mark.parametrize("text", ["recall is 0.75", "recall is 75%", "75 percent", "75 per cent of them"])
def test_a_share_matches_as_fraction_or_percentage(text: str) -> None:
    assert mentions_number(text, 75, 0.02), text
    assert mentions_number(text, 0.75, 0.02), text


def test_wrong_magnitude_or_money_is_not_a_share() -> None:
    assert not mentions_number("3,840 tokens a month", 3.84e9, 0.02)
    assert not mentions_number("3.84 million", 3.84e9, 0.02)
    assert not mentions_number("it costs $0.75", 75, 0.02)  # money is never read as a percentage
    assert not mentions_number("a ratio of 0.5", 500, 0.02)  # only targets up to 100 can be percentages
    assert not mentions_number("recall of 0.7", 75, 0.02)


def test_figures_remember_their_marks() -> None:
    money, share, plain = parse_figures("$12 then 40% then 7")
    assert money.currency and not money.percent
    assert share.percent and share.value == 40
    assert not plain.currency and not plain.percent
    assert parse_numbers("1,540 cases and 6.5k per arm") == [1540, 6500]


def test_numbers_written_in_words_count_for_a_numeric_criterion() -> None:
    from scoring.numbers import mentions_number, spelled_out

    assert mentions_number("about ten and a half seconds in total", 10.4, 0.05)
    assert mentions_number("roughly twenty-five thousand tokens a day", 25_000, 0.02)
    assert mentions_number("one hundred and twenty requests", 120, 0.0)
    assert mentions_number("half a second of waiting", 0.5, 0.0)
    assert spelled_out("seven and eight") == "7 and 8"  # two numbers, not fifteen
    assert spelled_out("someone often gets a tenth") == "someone often gets a tenth"
