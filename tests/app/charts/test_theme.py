"""app/charts/theme.py: every registered drug group has a style, the template is registered and
charts sit on a white card with dark text, and numbers are formatted by measure."""
from __future__ import annotations


from app.charts import bars, lines, maps, theme
from etl.registry import DRUG_GROUPS
from tests.app.charts.samples import national_deaths, state_rates


def test_every_registered_drug_group_has_a_style():
    for group in DRUG_GROUPS:
        style = theme.drug_style(group)
        assert style.color.startswith("#")
    variant = theme.drug_style("cocaine_with_any_opioid")
    assert variant.color == theme.drug_style("cocaine").color
    assert variant.dash != theme.drug_style("cocaine").dash


def test_series_drawn_together_get_distinct_hues_and_fixed_styles_are_kept():
    styles = theme.series_styles("drug_group", ["cocaine", "cocaine_with_any_opioid"])
    assert styles["cocaine"].color == theme.OLIVE
    assert styles["cocaine_with_any_opioid"].color not in (theme.OLIVE, theme.GREY)
    # No series takes another's own colour: benzodiazepines stay vermillion, even third.
    styles = theme.series_styles("drug_group", ["any_opioid", "synthetic_opioids",
                                                "benzodiazepines"])
    assert styles["benzodiazepines"].color == theme.VERMILLION
    assert styles["synthetic_opioids"].color != theme.SKY_BLUE, "sky blue washes into blue"
    # A caller's explicit style is kept and the others make way.
    grey = theme.SeriesStyle(theme.GREY)
    styles = theme.series_styles("geo_name", ["US", "A", "B"], fixed={"US": grey, "Z": grey})
    assert styles["US"] == grey and "Z" not in styles
    assert len({s.color for s in styles.values()}) == 3


def test_palette_series_beyond_four_are_dashed_too():
    assert {theme.palette_style(i).dash for i in range(4)} == {"solid"}
    assert all(theme.palette_style(i).dash != "solid" for i in range(4, 12))
    assert theme.hue_conditions(3) == ("normal", "deuteranopia", "protanopia", "washout")
    assert theme.hue_conditions(5) == ("normal", "washout")
    assert theme.hue_conditions(9) == ()


def test_template_registered_and_charts_on_a_white_card_with_dark_text():
    """Charts keep their own white background and dark text in both app themes (the text passes
    WCAG AA only on one background, and the app cannot follow a reader's theme switch)."""
    import plotly.io as pio
    assert theme.TEMPLATE_NAME in pio.templates
    layout = pio.templates[theme.TEMPLATE_NAME].layout
    assert layout.paper_bgcolor == theme.CHART_BACKGROUND == "#FFFFFF"
    assert layout.font.size >= 16
    assert theme.contrast_ratio(theme.CHART_TEXT, theme.CHART_BACKGROUND) >= 4.5
    assert theme.contrast_ratio(theme.CHART_MUTED_TEXT, theme.CHART_BACKGROUND) >= 4.5
    for fig in (lines.time_series(national_deaths()), maps.state_map(state_rates()),
                bars.ranked_bar(state_rates())):
        assert fig.layout.font.size >= 16
        assert fig.layout.paper_bgcolor == fig.layout.plot_bgcolor == theme.CHART_BACKGROUND
        assert fig.layout.font.color == theme.CHART_TEXT
    assert lines.time_series(national_deaths()).layout.xaxis.tickfont.size >= 14


def test_number_formats():
    assert theme.format_value(12499, "deaths") == "12,499"
    assert theme.format_value(3.84, "crude_rate") == "3.8"
    assert theme.format_value(14.24, "percent") == "14.2%"
    assert theme.format_value(float("nan"), "deaths") == "not available"


def test_a_wrapped_title_and_a_two_row_legend_get_room_at_the_top():
    df = national_deaths()
    long = ("Overdose deaths naming a benzodiazepine, prescription or designer, Allegheny "
            "County, PA, 2007–2024")
    fig = lines.time_series(df, title=long)
    title_lines = fig.layout.title.text.count("<br>") + 1
    assert title_lines == 2
    legend_rows = theme._legend_rows(fig)
    assert legend_rows >= 1
    assert fig.layout.margin.t >= title_lines * theme.TITLE_SIZE * 1.3 + legend_rows * \
        theme.LEGEND_SIZE * 1.7, "the legend sits below the title, not on it"
    untitled = lines.time_series(df[df["drug_group"] == "benzodiazepines"])
    assert untitled.layout.margin.t < 60, "a chart titled on the page gets no empty title band"
