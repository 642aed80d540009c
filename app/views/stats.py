"""95% confidence intervals for death rates, computed the way NCHS does.

NCHS treats deaths as a Poisson count: with fewer than 100 deaths it uses gamma-distribution
limits (Fay and Feuer), with 100 or more the normal approximation rate ± 1.96 · rate / √D.
For an age-adjusted rate the same relative interval is an approximation (NCHS uses the weighted
variance, which needs age-specific counts this project does not have); callers say so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

NORMAL_FROM = 100


def rate_interval(deaths: pd.Series, rate: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Lower and upper 95% limits for `rate` based on `deaths`; NA where either is missing."""
    # Imported here: scipy.stats takes ~1 s to import, and only the rate view needs it (not
    # the first visit of every page that imports the headline metrics).
    from scipy.stats import gamma

    d = pd.to_numeric(deaths, errors="coerce").astype("float64")
    r = pd.to_numeric(rate, errors="coerce").astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        small = d < NORMAL_FROM
        lower_gamma = np.where(d > 0, gamma.ppf(0.025, d) / d, 0.0) * r
        upper_gamma = gamma.ppf(0.975, d + 1) / np.where(d > 0, d, np.nan) * r
        half = 1.96 * r / np.sqrt(d)
    lower = pd.Series(np.where(small, lower_gamma, r - half), index=d.index)
    upper = pd.Series(np.where(small, upper_gamma, r + half), index=d.index)
    missing = d.isna() | r.isna() | (d <= 0)
    return lower.mask(missing).round(2), upper.mask(missing).round(2)
