"""The headline numbers of app.views.metrics filled from the loaded tables: the text of every
`{placeholder}` in content/slides.md and content/health_risks.md, computed once per data version
through the one cache."""
from __future__ import annotations

from app.data import tables
from app.glue import cache
from app.views import metrics


def headline_values_from(*names: str) -> dict[str, str]:
    """The placeholders computed from the named tables only (see metrics.HEADLINE_BUILDERS), so a
    page that lacks one table can still fill the others. Raises
    app.data.tables.TableUnavailable naming a missing table; the returned dict is a copy."""
    unknown = [t for t in names if t not in metrics.HEADLINE_BUILDERS]
    if unknown:
        raise ValueError(f"no headline values come from {unknown}; known: "
                         f"{list(metrics.HEADLINE_BUILDERS)}")
    values: dict[str, str] = {}
    for name in names:
        values.update(cache.call(metrics.HEADLINE_BUILDERS[name], tables.load_table(name)))
    return values


def headline_values() -> dict[str, str]:
    """Formatted text for every placeholder in content/slides.md and content/health_risks.md
    (and a few extras: change_since_peak, the 2019 share's value and published figure apart).
    Needs nida_national, sudors_state, dose_syndromic and wonder_mcd; raises
    app.data.tables.TableUnavailable naming the first one missing."""
    return headline_values_from(*metrics.HEADLINE_BUILDERS)
