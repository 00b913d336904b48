"""Charts: palette, Finnish separators, footer, and no number for a hidden cell."""

from __future__ import annotations

import math

from indicators import queries
from indicators.figures import PALETTE, series_figure


def test_series_figure_follows_the_rules(config, reader):
    indicator = config.indicators["anxiety_gr8_9"]
    areas = ["KU103", "SK053", "HV07", "SSS"]
    frame = queries.series(reader, indicator, areas)
    names = {c: config.areas[c].name_fi for c in areas}
    fig = series_figure(frame, indicator, names)
    assert fig.layout.separators == ", "
    assert fig.layout.yaxis.exponentformat == "none"
    lines = [tr for tr in fig.data if tr.mode == "lines+markers"]
    assert [tr.name for tr in lines] == list(names.values())
    assert [tr.line.color for tr in lines] == PALETTE[:4]
    assert len({tr.marker.symbol for tr in lines}) == 4  # not colour alone
    footer = fig.layout.annotations[-1].text
    assert "THL, Kouluterveyskysely" in footer and "CC BY 4.0" in footer
    # hidden Humppila cells: a gap in the line and the neutral mark in the hover, never a number
    humppila = frame[frame["area_code"] == "KU103"]
    hidden_periods = set(humppila.loc[humppila["suppressed"], "period_start"])
    assert hidden_periods
    trace = lines[0]
    for x, y, custom in zip(trace.x, trace.y, trace.customdata, strict=True):
        if x in hidden_periods:
            assert y is None or math.isnan(y)
            assert custom[1] == "salattu (..)" and custom[2] == ""
    direct_labels = {a.text for a in fig.layout.annotations[:-1]}
    assert direct_labels <= set(names.values())


def test_time_axis_uses_finnish_period_labels(config, reader):
    indicator = config.indicators["fc_contacts_attention"]
    frame = queries.series(reader, indicator, ["SK051"], level="quarter")
    fig = series_figure(frame, indicator, {"SK051": "Hämeenlinnan seutukunta"})
    labels = list(fig.layout.xaxis.ticktext)
    assert "7–9/2025" in labels or "10–12/2025" in labels
    assert len(labels) <= 12 and not any("Jan" in label for label in labels)


def test_series_break_is_marked_and_the_footer_names_the_periods(config, reader):
    from indicators.config import SeriesBreak, Texts
    from indicators.figures import series_figure
    from indicators.queries import series

    base = config.indicators["fc_contacts_attention"]
    note = Texts(fi="kirjaustapa muuttui", sv="registreringen ändrades", en="recording changed")
    indicator = base.model_copy(update={"breaks": [SeriesBreak(period="2025-01", note=note)]})
    frame = series(reader, indicator, ["SK051"], level="quarter")
    fig = series_figure(frame, indicator, {"SK051": "Hämeenlinnan seutu"})
    lines = [s for s in fig.layout.shapes if s.line.dash == "longdash"]
    assert len(lines) == 1 and str(lines[0].x0).startswith("2025-01-01")
    texts = [a.text for a in fig.layout.annotations]
    assert "Sarjakatko: kirjaustapa muuttui" in texts
    assert any("Luvut 1–3/2023–7–9/2026" in text for text in texts)
    # a break outside the chart's periods is not drawn
    early = base.model_copy(update={"breaks": [SeriesBreak(period="2015", note=note)]})
    fig = series_figure(frame, early, {"SK051": "Hämeenlinnan seutu"})
    assert not [s for s in fig.layout.shapes if s.line.dash == "longdash"]


def test_every_chart_names_source_licence_unit_and_periods(config, reader):
    from indicators.figures import funnel_figure
    from indicators.goal_figures import key_result_figure
    from indicators.goals import evaluate
    from indicators.queries import funnel_points

    indicator = config.indicators["anxiety_gr8_9"]
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    points, period, target = funnel_points(reader, indicator, municipalities, "HV07", "year")
    fig = funnel_figure(points, indicator, target, "Kanta-Häme",
                        {c: config.areas[c].name_fi for c in municipalities}, None)
    footer = " ".join(a.text for a in fig.layout.annotations)
    assert indicator.source in footer and indicator.licence in footer
    assert f"Luvut {period}–{period}" in footer
    result = next(r for r in evaluate(reader, config) if r.key_result_id == "concentration_hml")
    footer = " ".join(a.text for a in key_result_figure(result, config).layout.annotations)
    assert "Luvut 2019–2025" in footer and "CC BY 4.0" in footer
