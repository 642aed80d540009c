"""Every session shares one copy of each processed table (app.data caches the frame object), so
a page that changed a table in place would change it for everyone. Run every page, with its
widgets changed, its chart details open and each of its tabs opened (through dashboard.py, as the
server runs them), then compare each cached table with a fresh read of its file."""
from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from app.data import tables
from tests.pages.harness import ROOT, dashboard_pages, open_chart_details, tab_groups


def change_widgets(at: AppTest) -> None:
    for toggle in at.toggle:
        toggle.set_value(not toggle.value)
    for box in at.selectbox:
        # The presenter's slide box formats numbers as labels, which AppTest's select_index
        # cannot map back; its navigation has its own tests (tests/pages/test_presenter.py).
        if len(box.options) > 1 and box.key != "slide":
            box.select_index(len(box.options) - 1)


def test_no_page_changes_a_shared_table():
    for page in dashboard_pages():
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        at.run()
        at.switch_page(page)
        at.run()
        assert not at.exception, f"{page}: {at.exception}"
        change_widgets(at)
        open_chart_details(at)
        assert not at.exception, f"{page} after changing widgets: {at.exception}"
        for key, labels in tab_groups(at).items():
            for label in labels[1:]:  # every other tab, with its widgets changed and details open
                at.session_state[key] = label
                at.run()
                change_widgets(at)
                open_chart_details(at)
                assert not at.exception, f"{page}, tab {label!r}: {at.exception}"
    for name in tables.available_tables():
        shared = tables.load_table(name)
        info = tables.table_info(name)
        fresh = pd.read_parquet(tables.data_dir() / info["file"])
        pd.testing.assert_frame_equal(shared, fresh, obj=f"table {name} after every page ran")
