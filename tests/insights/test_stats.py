"""The statistics on results pages, checked against published and hand-worked values.

Sources:
- Newcombe RG (1998a). Two-sided confidence intervals for the single proportion:
  comparison of seven methods. Statistics in Medicine 17:857–872, Table I, method 3.
- Newcombe RG (1998b). Interval estimation for the difference between independent
  proportions: comparison of eleven methods. Statistics in Medicine 17:873–890,
  Table II, method 10.
- Student's t table: t(0.975, 9) = 2.262157, t(0.975, 1) = 12.706205.
"""

import pytest

from engage.insights.stats import (
    DisclosureRule,
    Interval,
    mean_from_counts,
    mean_interval,
    newcombe,
    outside,
    proportion,
    wilson,
)

FOUR_DP = 5e-5


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table_i(successes, n, low, high):
    interval = wilson(successes, n)
    assert interval.low == pytest.approx(low, abs=FOUR_DP)
    assert interval.high == pytest.approx(high, abs=FOUR_DP)


def test_wilson_limits_stop_exactly_at_zero_and_one():
    assert wilson(0, 20).low == 0.0
    assert wilson(20, 20).high == 1.0
    # the mirror image of 0/20
    assert wilson(20, 20).low == pytest.approx(1 - 0.1611, abs=FOUR_DP)


def test_no_interval_without_respondents():
    assert wilson(0, 0) is None
    empty = proportion(0, 0)
    assert (empty.value, empty.low, empty.high) == (None, None, None)


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError):
        wilson(5, 4)
    with pytest.raises(ValueError):
        wilson(-1, 4)


def test_proportion_carries_value_and_interval():
    shown = proportion(15, 148)
    assert shown.value == pytest.approx(15 / 148)
    assert (shown.low, shown.high) == pytest.approx((0.0624, 0.1605), abs=FOUR_DP)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "difference", "low", "high"),
    [
        (56, 70, 48, 80, 0.2, 0.0524, 0.3339),
        (5, 56, 0, 29, 5 / 56, -0.0381, 0.1926),
        (10, 10, 0, 10, 1.0, 0.6075, 1.0),
    ],
)
def test_newcombe_matches_table_ii_method_10(x1, n1, x2, n2, difference, low, high):
    result = newcombe(x1, n1, x2, n2)
    assert result.value == pytest.approx(difference)
    assert result.low == pytest.approx(low, abs=FOUR_DP)
    assert result.high == pytest.approx(high, abs=FOUR_DP)


def test_newcombe_reversed_groups_mirror_the_interval():
    result = newcombe(48, 80, 56, 70)
    assert (result.value, result.low, result.high) == pytest.approx(
        (-0.2, -0.3339, -0.0524), abs=FOUR_DP
    )


def test_newcombe_needs_both_groups():
    assert newcombe(0, 0, 3, 10) is None
    assert newcombe(3, 10, 0, 0) is None


# Ten answers, five 2s and five 8s: mean 5, every deviation ±3, so the sum of squared
# deviations is 90, the variance 90 / 9 = 10 and the standard error √(10 / 10) = 1.
# The interval is therefore 5 ± t(0.975, 9) = 5 ± 2.262157.
def test_mean_interval_uses_t_with_n_minus_1_degrees_of_freedom():
    mean = mean_interval(10, total=50, total_sq=5 * 4 + 5 * 64)
    assert mean.n == 10
    assert mean.value == pytest.approx(5.0)
    assert mean.low == pytest.approx(5 - 2.262157, abs=1e-6)
    assert mean.high == pytest.approx(5 + 2.262157, abs=1e-6)


def test_mean_from_counts_gives_the_same_as_the_sums():
    mean = mean_from_counts({2: 5, 8: 5, 5: 0})
    assert (mean.value, mean.low, mean.high) == pytest.approx(
        (5.0, 5 - 2.262157, 5 + 2.262157), abs=1e-6
    )


# Two answers, 0 and 2: mean 1, variance 2, standard error √(2 / 2) = 1; with one degree
# of freedom the interval is 1 ± 12.706205, far wider than the normal 1 ± 1.96.
def test_two_answers_give_a_wide_interval():
    mean = mean_from_counts({0: 1, 2: 1})
    assert (mean.low, mean.high) == pytest.approx((1 - 12.706205, 1 + 12.706205), abs=1e-6)


def test_one_answer_has_a_mean_but_no_interval():
    mean = mean_from_counts({7: 1})
    assert (mean.n, mean.value, mean.low, mean.high) == (1, 7.0, None, None)


def test_no_answers_have_no_mean():
    assert mean_interval(0, 0.0, 0.0).value is None
    assert mean_from_counts({}).value is None


def test_identical_answers_whose_sums_round_below_zero_variance():
    # 38 answers of 0.2, summed one by one as a database would: the variance from these
    # sums comes out a hair below zero in floating point
    total = total_sq = 0.0
    for _ in range(38):
        total += 0.2
        total_sq += 0.2 * 0.2
    mean = mean_interval(38, total, total_sq)
    assert mean.value == pytest.approx(0.2)
    assert mean.low == pytest.approx(0.2)
    assert mean.high == pytest.approx(0.2)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        mean_from_counts({3: -1})


def test_overall_value_outside_a_groups_interval_is_flagged():
    group = proportion(81, 263)  # 0.2553 to 0.3662
    assert outside(0.40, group)
    assert outside(0.25, group)
    assert not outside(0.30, group)
    assert outside(0.5, Interval(0.1, 0.2))


def test_no_flag_without_an_interval():
    assert not outside(0.5, None)
    assert not outside(0.5, proportion(0, 0))
    assert not outside(0.5, mean_from_counts({4: 1}))
    assert not outside(None, Interval(0.1, 0.2))


@pytest.mark.parametrize(
    ("count", "shown", "suppressed"),
    [
        (0, 0, False),
        (1, None, True),
        (7, None, True),
        (8, 10, False),
        (12, 10, False),
        (13, 15, False),
        (17, 15, False),
        (18, 20, False),
        (100, 100, False),
        (1234, 1235, False),
    ],
)
def test_nhs_rule_on_counts(count, shown, suppressed):
    public = DisclosureRule().count(count)
    assert (public.value, public.suppressed) == (shown, suppressed)


def test_configured_rule_rounds_halves_up():
    rule = DisclosureRule(threshold=10, base=10)
    assert rule.count(9).suppressed
    assert rule.count(25).value == 30  # round(2.5) would give 20
    assert rule.count(35).value == 40
    assert rule.count(24).value == 20


def test_rule_rejects_nonsense():
    with pytest.raises(ValueError):
        DisclosureRule(base=0)
    with pytest.raises(ValueError):
        DisclosureRule().count(-1)


# 12 of 38 publish as 10 of 40: 25%, with the Wilson interval of 10/40 worked by hand:
# centre (10 + 1.9208) / (40 + 3.8415) = 0.2719, half-width
# 1.96 / 43.8415 × √(10 × 30 / 40 + 0.9604) = 0.1300, so 0.1419 to 0.4019.
def test_public_share_comes_from_rounded_counts():
    public = DisclosureRule().proportion(12, 38)
    assert (public.count.value, public.n.value) == (10, 40)
    assert public.value == 0.25
    assert public.low == pytest.approx(0.1419, abs=FOUR_DP)
    assert public.high == pytest.approx(0.4019, abs=FOUR_DP)
    assert not public.suppressed


def test_suppressed_cell_has_no_share_or_interval():
    public = DisclosureRule().proportion(5, 40)
    assert public.suppressed
    assert public.count.value is None
    assert public.n.value == 40
    assert (public.value, public.low, public.high) == (None, None, None)


def test_small_group_hides_every_cell():
    public = DisclosureRule().proportion(0, 6)
    assert public.suppressed
    assert public.n.suppressed
    assert (public.value, public.low, public.high) == (None, None, None)


def test_zero_cell_in_a_public_group_is_shown_as_zero():
    public = DisclosureRule().proportion(0, 40)
    assert not public.suppressed
    assert public.count.value == 0
    assert public.value == 0.0
    assert public.low == 0.0
    assert public.high > 0


def test_empty_group_has_no_share():
    public = DisclosureRule().proportion(0, 0)
    assert not public.suppressed
    assert public.value is None
