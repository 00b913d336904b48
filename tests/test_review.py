"""The quarterly review pack for known demo quarters: which key results changed status, which
signals, what is new, and that nothing after the quarter's end leaks into it."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from indicators import auth, goals, review
from indicators.config import ConfigError, load_config
from indicators.periods import period_end


def test_quarters_end_with_the_last_complete_one(reader, config):
    quarters = review.quarters(reader, config)
    # the demo data is as of 31.10.2026: 2026Q4 has not ended, 2026Q3 has
    assert quarters[0] == "2026Q3" and quarters[-1] == "2025Q1"
    assert quarters == sorted(quarters, reverse=True) and len(set(quarters)) == len(quarters)


def test_pack_area_is_a_region_or_the_county(config):
    assert review.pack_area(config, "KU061") == "SK053"
    assert review.pack_area(config, "SK051") == "SK051"
    assert review.pack_area(config, "SSS") == "HV07"
    assert review.pack_area(config, None) == "HV07"
    assert review.pack_area(config, "KU999") == "HV07"


def test_status_changes_in_the_county_pack_of_2026q3(county_pack):
    changes = {i.result.key_result_id: (i.before.status, i.result.status, i.change)
               for i in county_pack.key_results}
    assert len(changes) == 19
    # Riihimäki's contacts had reached the target in 2026Q2 (12,9 ≤ 13,0) but not in 2026Q3
    assert changes["contacts_attention_rmk"] == ("achieved", "on_track", "worse")
    # Forssa's median days held the target in 2026Q2 (7 pv) but lost it in 2026Q3 (11 pv)
    assert changes["omatiimi_days_forssa"] == ("achieved", "at_risk", "worse")
    # the Omatiimi baseline is 2026Q2: the first scored status comes in 2026Q3
    assert changes["omatiimi_response_hml"] == ("no_new_data", "on_track", "new")
    # hidden baseline both times: not assessable then and now, so no change to report
    assert changes["omatiimi_days_rmk"] == ("not_assessable", "not_assessable", "same")
    assert {k for k, v in changes.items() if v[2] == "better"} == set()
    changed = {i.result.key_result_id for i in review.changed_key_results(county_pack)}
    assert changed == {k for k, v in changes.items() if v[2] in ("better", "worse", "new")}


def test_the_pack_agrees_with_goals_as_of_each_quarter_end(reader, config, county_pack):
    now = {r.key_result_id: r for r in goals.evaluate(reader, config,
                                                      as_of=date(2026, 9, 30))}
    then = {r.key_result_id: r for r in goals.evaluate(reader, config,
                                                       as_of=date(2026, 6, 30))}
    def same(a, b):
        return (a.status, a.reason, a.latest and a.latest.label, a.baseline and a.baseline.label,
                round(a.score, 9) if a.score == a.score else None) == (
            b.status, b.reason, b.latest and b.latest.label, b.baseline and b.baseline.label,
            round(b.score, 9) if b.score == b.score else None)

    for item in county_pack.key_results:
        assert same(item.result, now[item.result.key_result_id])
        assert same(item.before, then[item.result.key_result_id])
        assert item.change == review.status_change(item.result.status, item.before.status)


def test_nothing_after_the_quarter_reaches_its_pack(reader, config):
    pack = review.build_pack(reader, config, "SK051", "2026Q2")
    end = period_end("2026Q2")
    for item in pack.key_results:
        assert all(p.when <= end for p in item.result.series)
        assert item.result.latest is None or item.result.latest.when <= end
    for figure in pack.new_figures:
        assert period_end(figure.latest.period) <= end
    for action in pack.actions:
        assert action.as_of is None or action.as_of <= end
    himmee = next(a for a in pack.actions if a.action_id == "himmee_hetki")
    assert (himmee.done, himmee.as_of) == (27, date(2026, 6, 30))  # not October's 34
    assert pack.omatiimi_quarter == "2026Q2"
    assert all(c.period in (None, "2026Q2") for c in pack.omatiimi_cards)


def test_signals_follow_the_run_chart_rules(county_pack):
    signals = {(s.indicator_id, s.area_code): s for s in county_pack.signals}
    assert set(signals) == {("fc_contacts_attention", "SK051"),
                            ("fc_contacts_attention", "SK052"),
                            ("absence_over10_month", "SK053"),
                            ("attendance_support_started", "SK053")}
    assert signals[("fc_contacts_attention", "SK051")].verdict.code == "improvement"
    assert signals[("attendance_support_started", "SK053")].verdict.code == "change_up"
    for signal in county_pack.signals:
        assert signal.verdict.rules  # a signal names its rule
        assert signal.link.startswith("https://mittaristo.example.fi/phenomena?")


def test_region_pack_holds_only_that_region(reader, config):
    pack = review.build_pack(reader, config, "SK053", "2026Q3")
    assert pack.area_code == "SK053" and pack.omatiimi_area == "SK053"
    for item in pack.key_results:
        assert goals.concerns_area(config, item.result, "SK053")
    assert {s.area_code for s in pack.signals} == {"SK053"}
    assert {a.action_id for a in pack.actions} == {"attendance_support"}
    assert set(pack.checkins["key_result_id"]) <= {i.result.key_result_id
                                                   for i in pack.key_results}
    assert set(pack.checkins["quarter"]) == {"2026Q3"}


def test_new_figures_are_those_of_periods_ended_since_the_last_review(county_pack):
    for figure in county_pack.new_figures:
        assert figure.new == (period_end(figure.latest.period) > date(2026, 6, 30))
    surveys = [f for f in county_pack.new_figures if f.indicator_id == "anxiety_gr8_9"]
    assert surveys and not surveys[0].new  # the 2025 survey was there at the last review


def test_links_use_the_public_address_never_localhost(config, county_pack):
    links = [county_pack.links[k] for k in county_pack.links]
    links += [i.link for i in county_pack.key_results] + [f.link for f in
                                                          county_pack.new_figures]
    assert links and all(link.startswith("https://mittaristo.example.fi/") for link in links)
    bare = dataclasses.replace(config, site=config.site.model_copy(update={"public_url": None}))
    assert review.view_link(bare, "review", area="SK051", quarter="2026Q3") == \
        "/review?area=SK051&quarter=2026Q3"


def test_site_config_refuses_a_local_public_address(tmp_path):
    import shutil

    root = tmp_path / "config"
    shutil.copytree(load_config().root, root)
    (root / "site.yaml").write_text("public_url: http://localhost:8501\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(root)
    assert [i.kind for i in caught.value.issues] == ["local_url"]


def test_a_quarter_must_be_a_quarter(reader, config):
    with pytest.raises(ValueError, match="not a quarter"):
        review.build_pack(reader, config, "SK051", "2026-09")


def test_a_store_without_an_omatiimi_indicator_still_gives_packs(store_path, tmp_path, config):
    import shutil

    from indicators import omatiimi
    from indicators.store import StoreReader, write_transaction

    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    with write_transaction(db, actor=auth.maintainer("test")) as con:
        con.execute("DELETE FROM observation WHERE indicator_id = 'omatiimi_felt_helped'")
    reader = StoreReader(db)
    try:
        quarter, cards = omatiimi.quarter_cards(reader, config, ["SK051"], "2026Q3")
        felt = [c for c in cards if c.indicator_id == "omatiimi_felt_helped"]
        assert quarter == "2026Q3" and felt and felt[0].note == "no_data"
        pack = review.build_pack(reader, config, "SK051", "2025Q3")  # before Omatiimi began
        assert pack.omatiimi_cards == () and pack.key_results
    finally:
        reader.close()


def test_action_status_is_the_one_of_the_quarter(config, reader):
    from indicators.config import Texts  # noqa: F401  (config models stay importable)

    phenomena = []
    for phenomenon in config.phenomena:
        actions = [a.model_copy(update={"status": "done", "end": date(2026, 8, 31)})
                   if a.id == "himmee_hetki" else a for a in phenomenon.actions]
        phenomena.append(phenomenon.model_copy(update={"actions": actions}))
    changed = dataclasses.replace(config, phenomena=tuple(phenomena))
    before = review.build_pack(reader, changed, "SK051", "2026Q2")
    after = review.build_pack(reader, changed, "SK051", "2026Q3")
    status = {p.quarter: next(a.status for a in p.actions if a.action_id == "himmee_hetki")
              for p in (before, after)}
    assert status == {"2026Q2": "ongoing", "2026Q3": "done"}


def test_page_tables_end_linked_sections_in_their_rows_links(config, county_pack):
    from indicators.i18n import t
    from indicators.review_texts import LINKED_SECTIONS, page_tables, section_tables

    plain = section_tables(county_pack, config, "sv")
    shown = page_tables(county_pack, config, "sv")
    column = t("review.open", "sv")
    items = {"key_results": county_pack.key_results, "signals": county_pack.signals,
             "new_figures": county_pack.new_figures, "actions": county_pack.actions}
    assert set(items) == set(LINKED_SECTIONS) and list(shown) == list(plain)
    for section, table in shown.items():
        if section in LINKED_SECTIONS and not plain[section].empty:
            assert list(table.columns) == [*plain[section].columns, column]
            assert list(table[column]) == [review.local_link(config, i.link)
                                           for i in items[section]]
            assert all(link.startswith("/") for link in table[column])
            assert table.drop(columns=[column]).equals(plain[section])
        else:
            assert table.equals(plain[section])
    assert not shown["key_results"].empty and not shown["signals"].empty
