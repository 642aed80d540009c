"""Chart builders: a tidy DataFrame and options in, a `plotly.graph_objects.Figure` out.

By kind: `lines` (time series, shares over time), `many_series` (too many lines for one chart:
a few highlighted over the rest in grey, small multiples), `bars` (stacked, ranked, by category),
`maps` (the state choropleth), `summaries` (the sentence and the data table under a chart), with
what they share in `common`, the one look in `theme`, how far apart two colours look (CIEDE2000,
in simulated colour blindness and on a washed-out projector) in `vision`, and the offline base
map in `geo`.

May import: pandas, plotly, etl.registry, etl.tidy and this package; never Streamlit, app.data,
the views or the glue (tests/test_architecture.py). Unit-tested in tests/app/charts.

The rules that keep a chart honest, shared by every builder:
- a suppressed value is a gap in the line (or a missing bar) with a marker and a note, never 0;
- a missing row is a gap too: the builders never connect across a period with no row;
- provisional values are drawn dotted with open markers and say "provisional" in the legend;
- unreliable values get open markers (or a hatch) and the flag in the hover;
- years are integer ticks (never 2019.5), monthly data has a month axis;
- units are in the axis titles and in every hover;
- labels, units and colours come from the data, etl.registry and `theme`, never typed here;
- series drawn together differ in hue (`theme.series_styles`), not only in dash;
- event labels sit above the plot (never over the data) and the y axis ends just above the data;
  on a monthly axis an event is drawn at its month.

Companion `*_data` functions return the derived numbers a builder plots (shares, indexes), so the
page can show and offer for download exactly what is on screen.
"""
