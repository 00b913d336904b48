"""Charts: palette, Finnish separators, footer, and no number for a hidden cell."""

from __future__ import annotations

import math
import re

from indicators import queries
from indicators.figures import GLYPHS, PALETTE, series_figure
from indicators.i18n import t


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
    # direct labels: dark text (coloured 12 px text would fall below 4.5:1) with a glyph of the
    # line's marker in its colour beside the name
    direct = fig.layout.annotations[:-1]
    assert {a.font.color for a in direct} == {"#1a1a1a"}
    by_name = {re.sub(r"<span[^>]*>[^<]*</span> ", "", a.text): a.text for a in direct}
    assert set(by_name) == set(names.values())
    for line in lines:
        glyph = GLYPHS[line.marker.symbol]
        assert by_name[line.name] == \
            f'<span style="color:{line.line.color}">{glyph}</span> {line.name}'
    # the interval bands are named by the catalogue, not a hard-coded string
    bands = [tr for tr in fig.data if tr.fill == "toself"]
    assert bands and {tr.name for tr in bands} <= {
        t("chart_a11y.band", "fi", name=n) for n in names.values()}
    english = series_figure(frame, indicator, names, "en")
    assert {tr.name for tr in english.data if tr.fill == "toself"} <= {
        f"{n}: 95% confidence interval" for n in names.values()}


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


def test_funnel_lines_have_direct_labels_and_the_hover_gives_unit_and_denominator(config,
                                                                                  reader):
    from indicators.figures import funnel_figure
    from indicators.formatting import format_number
    from indicators.queries import funnel_points

    indicator = config.indicators["concentration_difficulties"]
    municipalities = [c for c, a in config.areas.items() if a.level == "municipality"]
    points, _, target = funnel_points(reader, indicator, municipalities, "HV07", "year")
    names = {c: config.areas[c].name_fi for c in municipalities}
    fig = funnel_figure(points, indicator, target, "Kanta-Häme", names, "KU103")
    labels = [a for a in fig.layout.annotations if a.xref == "paper" and a.x == 1]
    texts = sorted(re.sub(r"<span[^>]*>[^<]*</span> ", "", a.text) for a in labels)
    assert texts == ["95 %:n raja", "95 %:n raja", "99,8 %:n raja", "99,8 %:n raja",
                     "Kanta-Häme"]
    assert {a.font.color for a in labels} == {"#1a1a1a"}
    ys = sorted(a.y for a in labels)
    assert len(set(ys)) == len(ys)  # moved apart, never printed over each other
    # the hover: value with its unit and the denominator behind it
    visible = points[~points["suppressed"]].set_index("area_code")
    for trace in fig.data:
        if trace.customdata is None:
            continue
        for name, text in trace.customdata:
            code = next(c for c, n in names.items() if n == name)
            row = visible.loc[code]
            assert text == (f"{format_number(row['value'], indicator.decimals)} % · "
                            f"nimittäjä {format_number(row['denominator'], 0)}")
