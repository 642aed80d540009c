import pandas as pd
import pytest

from app.views.stats import rate_interval


def test_small_counts_use_gamma_limits_like_nchs():
    # 10 deaths: exact Poisson 95% limits are 4.795 and 18.390 deaths.
    lower, upper = rate_interval(pd.Series([10]), pd.Series([1.0]))
    assert lower[0] == pytest.approx(0.48, abs=0.01) and upper[0] == pytest.approx(1.84, abs=0.01)


def test_large_counts_use_normal_approximation():
    lower, upper = rate_interval(pd.Series([400]), pd.Series([4.0]))
    assert (lower[0], upper[0]) == (pytest.approx(3.61, abs=0.01), pytest.approx(4.39, abs=0.01))


def test_missing_or_suppressed_counts_give_no_interval():
    lower, upper = rate_interval(pd.Series([None, 0]), pd.Series([1.0, 0.0]))
    assert lower.isna().all() and upper.isna().all()
