"""The quarterly review pack: what a working group goes through in its meeting, for one region (or
the whole county) and one quarter.

`build_pack` assembles the agenda from the same functions the pages use, as the figures stood at
the end of the quarter: only periods that ended by then and action counts dated by then (nothing
later leaks into a review of an earlier quarter). The figures are the store's current ones, so a
later revision of a period's figure shows in an old pack too:

1. key results and how their status changed since the previous quarter's review;
2. indicators with a real signal by the run-chart rules (Anhøj, frozen baseline), marked new when
   the previous review did not see it;
3. new figures: each followed indicator's latest period, new when it ended after the previous
   review's quarter, with its change verdict;
4. the phenomenon actions' progress as counted by the quarter's end;
5. the Omatiimi cards of the quarter;
6. the quarter's check-in notes.

Every item carries the link to its page (the view in the URL), on the dashboard's public address
when configured. Exports (HTML, PDF, Excel, PowerPoint) render this one structure, so the page, the
CLI and every file show the same pack. Figures come from `observation_public` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

import pandas as pd

from indicators import checkins, goals, omatiimi, phenomena, queries
from indicators.config import Config
from indicators.periods import period_end, period_level, period_start, previous_period
from indicators.queries import Reader

STATUS_RANK = {"achieved": 0, "on_track": 1, "lagging": 2, "at_risk": 3}
SIGNAL_CODES = ("improvement", "worsening", "change_up", "change_down", "signal_unclear")


@dataclass(frozen=True)
class KeyResultItem:
    result: goals.KeyResultProgress  # now (as of the quarter's end)
    before: goals.KeyResultProgress  # as of the previous quarter's end
    change: str  # better | worse | same | new | none (see `status_change`)
    link: str


@dataclass(frozen=True)
class SignalItem:
    indicator_id: str
    area_code: str
    phenomenon_id: str
    verdict: phenomena.Verdict
    new: bool  # the previous review did not see this verdict
    last_period: str | None
    link: str


@dataclass(frozen=True)
class NewFigureItem:
    indicator_id: str
    area_code: str
    latest: queries.Latest
    new: bool  # the period ended after the previous review's quarter
    link: str


@dataclass(frozen=True)
class ActionItem:
    phenomenon_id: str
    action_id: str
    status: str
    done: float | None
    target: float | None
    as_of: date | None
    link: str


@dataclass(frozen=True)
class ReviewPack:
    area_code: str  # a region or the county
    quarter: str
    previous_quarter: str
    quarter_end: date
    data_as_of: str  # the store's `as_of` (ISO day) or ''
    dataset: str  # demo | mixed | real | empty
    public_url: str | None
    key_results: tuple[KeyResultItem, ...]
    signals: tuple[SignalItem, ...]
    new_figures: tuple[NewFigureItem, ...]
    actions: tuple[ActionItem, ...]
    omatiimi_area: str
    omatiimi_quarter: str | None
    omatiimi_cards: tuple[omatiimi.Card, ...]
    checkins: pd.DataFrame  # the quarter's current check-ins of the pack's key results
    indicator_ids: tuple[str, ...]  # every indicator in the pack (for sources and licences)
    links: dict[str, str] = field(default_factory=dict)  # section -> its page


def review_areas(config: Config) -> list[str]:
    """The areas a pack is made for: each region and the whole county."""
    return [*config.region_codes, config.county_code]


def pack_area(config: Config, code: str | None) -> str:
    """The pack area for a chosen area: a municipality's region; the county for the country."""
    return config.region_or_county(code)


def quarters(reader: Reader, config: Config, first: str = "2025Q1") -> list[str]:
    """Quarters a review can be made for, newest first: from `first` to the last quarter that
    has ended by the store's `as_of` day (or the latest quarter with figures)."""
    meta = queries.store_meta(reader)
    last = None
    if meta.get("as_of"):
        as_of = date.fromisoformat(meta["as_of"])
        quarter = f"{as_of.year}Q{(as_of.month - 1) // 3 + 1}"
        last = quarter if period_end(quarter) <= as_of else previous_period(quarter)
    if last is None:
        last = queries.latest_period(reader, list(config.indicators), "quarter")
    if last is None:
        return []
    out = [last]
    while out[-1] > first:
        out.append(previous_period(out[-1]))
    return out


def status_change(now: str, before: str) -> str:
    """'better' / 'worse' between two scored statuses, 'same', 'new' when the previous review
    could not score it yet, 'none' when neither can be scored."""
    if now in STATUS_RANK and before in STATUS_RANK:
        if STATUS_RANK[now] < STATUS_RANK[before]:
            return "better"
        return "worse" if STATUS_RANK[now] > STATUS_RANK[before] else "same"
    if now in STATUS_RANK:
        return "new"
    return "same" if now == before else "none"


def view_link(config: Config, page: str, **params: str | None) -> str:
    """A link to a page with its view in the URL, on the public address when configured."""
    query = urlencode({k: v for k, v in params.items() if v})
    path = f"/{page}" + (f"?{query}" if query else "")
    base = (config.site.public_url or "").rstrip("/")
    return base + path


def _until(frame: pd.DataFrame, end: date) -> pd.DataFrame:
    if frame.empty:
        return frame
    ends = frame["period"].map(lambda p: period_end(str(p)))
    return frame.loc[(ends <= end).astype(bool)]


def _acting_areas(config: Config, area: str, codes: Sequence[str]) -> list[str]:
    if config.areas[area].level == "county":
        return list(codes)
    return [c for c in codes if goals.within(config, c, area)]


def _followed(config: Config, area: str) -> list[tuple[str, str]]:
    """(indicator, area) pairs the pack follows: each phenomenon's indicators in its acting
    areas within the pack area, and the headline indicators of the pack area itself."""
    pairs: list[tuple[str, str]] = []
    for phenomenon in config.phenomena:
        for code in _acting_areas(config, area, phenomenon.areas):
            pairs.extend((i, code) for i in phenomenon.indicator_ids)
    pairs.extend((i.id, area) for i in config.headline_indicators())
    seen: set[tuple[str, str]] = set()
    return [p for p in pairs if not (p in seen or seen.add(p))]


def _signals(reader: Reader, config: Config, area: str, end: date,
             before_end: date) -> list[SignalItem]:
    out = []
    for phenomenon in config.phenomena:
        start = phenomenon.first_action_start()
        for code in _acting_areas(config, area, phenomenon.areas):
            for indicator_id in phenomenon.indicator_ids:
                indicator = config.indicators[indicator_id]
                frame = queries.series(reader, indicator, [code],
                                       level=phenomena.chart_level(indicator))
                now = phenomena.verdict_for(_until(frame, end), indicator, start)
                if now.code not in SIGNAL_CODES:
                    continue
                then = phenomena.verdict_for(_until(frame, before_end), indicator, start)
                visible = _until(frame, end)
                visible = visible[visible["value"].notna()]
                last = str(visible["period"].iloc[-1]) if len(visible) else None
                out.append(SignalItem(indicator_id, code, phenomenon.id, now,
                                      then.code != now.code, last,
                                      view_link(config, "phenomena", phenomenon=phenomenon.id,
                                                area=code)))
    return out


def _new_figures(reader: Reader, config: Config, area: str, end: date,
                 before_end: date) -> list[NewFigureItem]:
    out = []
    for indicator_id, code in _followed(config, area):
        indicator = config.indicators[indicator_id]
        level = queries.default_level(indicator, queries.period_levels(reader, indicator_id))
        if level is None:
            continue
        frame = _until(queries.series(reader, indicator, [code], level=level), end)
        latest = queries.latest_of(frame, indicator, [code])[0]
        if latest.period is None:
            continue
        new = period_end(latest.period) > before_end
        out.append(NewFigureItem(indicator_id, code, latest, new,
                                 view_link(config, "indicator", indicator=indicator_id,
                                           area=code)))
    return out


def _actions(config: Config, area: str, end: date) -> list[ActionItem]:
    out = []
    for phenomenon in config.phenomena:
        for action in phenomenon.actions:
            if not _acting_areas(config, area, action.areas):
                continue
            if action.start > end:
                continue  # not begun by the quarter's end
            done = target = None
            as_of = None
            if action.progress is not None:
                counted = [c for c in action.progress.counts() if c.as_of <= end]
                target = action.progress.target
                if counted:
                    done, as_of = counted[-1].done, counted[-1].as_of
            # the status as it was then: done only if it had ended by the quarter's end (the
            # config holds today's status, with no date for a pause)
            status = action.status
            if action.end is not None:
                status = "done" if action.end <= end else "ongoing"
            elif status == "done":
                status = "ongoing"
            out.append(ActionItem(phenomenon.id, action.id, status, done, target, as_of,
                                  view_link(config, "phenomena", phenomenon=phenomenon.id,
                                            area=area if config.areas[area].level == "region"
                                            else None)))
    return out


def build_pack(reader: Reader, config: Config, area_code: str, quarter: str) -> ReviewPack:
    """The review pack of `area_code` (a region or the county) for `quarter` (e.g. 2026Q3)."""
    if period_level(quarter) != "quarter":
        raise ValueError(f"{quarter!r} is not a quarter (e.g. 2026Q3)")
    area = pack_area(config, area_code)
    end = period_end(quarter)
    previous = previous_period(quarter)
    before_end = period_end(previous)
    now = goals.evaluate(reader, config, as_of=end)
    then = {r.key_result_id: r for r in goals.evaluate(reader, config, as_of=before_end)}
    key_results = []
    for result in now:
        if not goals.concerns_area(config, result, area):
            continue
        before = then[result.key_result_id]
        indicator_link = view_link(config, "goals", area=area)
        key_results.append(KeyResultItem(result, before, status_change(result.status,
                                                                       before.status),
                                         indicator_link))
    history = checkins.history(reader, [i.result.key_result_id for i in key_results])
    quarter_checkins = history[history["quarter"] == quarter] if not history.empty else history
    om_area = omatiimi.shown_area(config, area)
    om_quarter, cards = (None, [])
    if omatiimi.trend_indicators(config) and period_start(quarter) <= date.today():
        om_quarter, cards = omatiimi.quarter_cards(reader, config, [om_area], quarter)
    # cards only for a quarter with Omatiimi figures (none before the model began)
    has_cards = om_quarter == quarter and any(c.period == quarter for c in cards)
    signals = _signals(reader, config, area, end, before_end)
    figures = _new_figures(reader, config, area, end, before_end)
    meta = queries.store_meta(reader)
    ids = {i.result.indicator_id for i in key_results if i.result.indicator_id}
    ids |= {s.indicator_id for s in signals} | {f.indicator_id for f in figures}
    ids |= {c.indicator_id for c in cards if c.indicator_id in config.indicators}
    if any(c.indicator_id == omatiimi.LEAD_TIME_MEDIAN for c in cards):
        ids.add(omatiimi.LEAD_TIME)
    return ReviewPack(
        area_code=area, quarter=quarter, previous_quarter=previous, quarter_end=end,
        data_as_of=meta.get("as_of", ""), dataset=queries.dataset_kind(reader),
        public_url=config.site.public_url, key_results=tuple(key_results),
        signals=tuple(signals), new_figures=tuple(figures),
        actions=tuple(_actions(config, area, end)), omatiimi_area=om_area,
        omatiimi_quarter=om_quarter if has_cards else None,
        omatiimi_cards=tuple(cards) if has_cards else (),
        checkins=quarter_checkins.reset_index(drop=True),
        indicator_ids=tuple(sorted(ids)),
        links={"review": view_link(config, "review", area=area, quarter=quarter),
               "goals": view_link(config, "goals", area=area),
               "omatiimi": view_link(config, "omatiimi", area=om_area)})


def sources(config: Config, pack: ReviewPack) -> list[tuple[str, str]]:
    """(source, licence) pairs of the pack's indicators, each once, in a stable order."""
    pairs = {(config.indicators[i].source, config.indicators[i].licence)
             for i in pack.indicator_ids if i in config.indicators}
    return sorted(pairs)


def changed_key_results(pack: ReviewPack) -> list[KeyResultItem]:
    return [i for i in pack.key_results if i.change in ("better", "worse", "new")]


def local_link(config: Config, link: str) -> str:
    """A pack link without the public address, for links inside the running dashboard."""
    base = (config.site.public_url or "").rstrip("/")
    return link[len(base):] if base and link.startswith(base) else link
