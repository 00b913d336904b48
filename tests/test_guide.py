"""The user guide: its registry agrees with the pages, the config and the message catalogue; the
screenshot comparison; the page itself (AppTest, no browser)."""

from __future__ import annotations

import ast
import io
import re

import pytest
from PIL import Image, ImageDraw
from streamlit.testing.v1 import AppTest

from indicators import guide, methods, omatiimi
from indicators.i18n import LANGUAGES, messages, t
from indicators.settings import REPO_ROOT

APP = str(REPO_ROOT / "dashboard.py")
# the query parameters each page reads (its view lives in the URL)
PAGE_PARAMS = {
    "overview": {"area"},
    "goals": {"area"},
    "review": {"area", "quarter"},
    "indicator": {"indicator", "area", "level", "sex", "group"},
    "phenomena": {"phenomenon", "area", "chart_area"},
    "omatiimi": {"area", "indicator", "lead_level", "compare_level"},
    "data": set(),
}


def _registered_pages() -> dict[str, tuple[str, bool]]:
    """dashboard.py's page registry: page file → (url_path, default page)."""
    tree = ast.parse((REPO_ROOT / "dashboard.py").read_text(encoding="utf-8"))
    pages = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "Page"):
            keywords = {k.arg: k.value for k in node.keywords}
            default = keywords.get("default")
            pages[node.args[0].value] = (keywords["url_path"].value,
                                         isinstance(default, ast.Constant) and default.value)
    return pages


def _png(size=(320, 200), colour=(240, 244, 247), box=None, box_colour=(0, 114, 178)) -> bytes:
    """A screenshot-like picture: a plain background with some 'text' lines and a box."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for y in range(20, size[1] - 10, 24):
        draw.rectangle((20, y, size[0] // 2 + y % 50, y + 8), fill=(26, 26, 26))
    if box:
        draw.rectangle(box, fill=box_colour)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# ---------------------------------------------------------------- the registry


def test_groups_in_order_each_with_three_or_four_tasks():
    assert guide.GROUPS == ("steering_group", "working_group", "arkitiimi", "maintainer")
    for group in guide.GROUPS:
        assert 3 <= len(guide.tasks(group)) <= 4, group
    assert guide.tasks() == [task for g in guide.GROUPS for task in guide.tasks(g)]
    keys = [task.key for task in guide.tasks()]
    assert len(keys) == len(set(keys))
    with pytest.raises(ValueError):
        guide.tasks("omatiimi")


def test_every_task_opens_a_registered_page_at_its_url_path():
    registered = _registered_pages()
    for task in guide.tasks():
        assert (REPO_ROOT / task.page).is_file(), task.key
        assert task.page in registered, task.key
        url_path, default = registered[task.page]
        # the default page is served only at `/`
        assert task.url_path == ("" if default else url_path), task.key
        assert task.nav_key == url_path, task.key
        assert f"nav.{task.nav_key}" in messages("fi"), task.key


def test_every_task_view_is_valid_for_its_page(config):
    phenomena = {p.id: p for p in config.phenomena}
    trends = {i.id for i in omatiimi.trend_indicators(config)}
    for task in guide.tasks():
        params = task.params
        assert set(params) <= PAGE_PARAMS[task.nav_key], task.key
        assert all(isinstance(v, str) and v for v in params.values()), task.key
        if "area" in params:
            assert params["area"] in config.areas, task.key
        if "indicator" in params:
            assert params["indicator"] in config.indicators, task.key
            if task.nav_key == "omatiimi":
                assert params["indicator"] in trends, task.key
        if task.nav_key == "phenomena":
            phenomenon = phenomena[params["phenomenon"]]
            charted = [*phenomenon.areas, *phenomenon.comparison_areas]
            charted += [c for code in list(charted) for c in config.children(code)]
            assert params["area"] in charted, task.key  # the charts' area follows it
        assert "quarter" not in params, task.key  # a pinned quarter would go stale


def test_every_task_has_its_texts_in_every_language():
    for lang in LANGUAGES:
        catalogue = messages(lang)
        for group in guide.GROUPS:
            assert f"guide.group.{group}.title" in catalogue
            assert f"guide.group.{group}.who" in catalogue
        for task in guide.tasks():
            assert f"{task.message_prefix}.title" in catalogue, (lang, task.key)
            assert f"{task.message_prefix}.alt" in catalogue, (lang, task.key)
            steps = guide.step_keys(task)
            assert 2 <= len(steps) <= 5, task.key
            assert all(key in catalogue for key in steps), (lang, task.key)
            assert f"{task.message_prefix}.steps.{len(steps) + 1}" not in catalogue


def test_method_topics_and_focus_keys_exist():
    for task in guide.tasks():
        assert task.methods_topics, task.key
        for topic in task.methods_topics:
            assert topic in methods.TOPICS, (task.key, topic)
            assert f"methods.{topic}.title" in messages("fi")
        if task.focus is not None:
            assert task.focus in messages("fi"), task.key
        assert task.sign_in == (task.group == "maintainer"), task.key


def test_screenshot_names_are_unique_and_every_committed_one_belongs_to_a_task():
    names = [task.screenshot for task in guide.tasks()]
    assert all(name and name.endswith(".webp") for name in names)
    assert len(names) == len(set(names))
    assert guide.screenshot_path(guide.tasks()[0]) == REPO_ROOT / "docs" / "guide" / names[0]
    committed = {p.name for p in guide.SCREENSHOT_DIR.iterdir()} \
        if guide.SCREENSHOT_DIR.is_dir() else set()
    assert committed <= set(names), sorted(committed - set(names))


def test_committed_screenshots_are_small_webp_pictures_of_the_viewport():
    for task in guide.tasks():
        path = guide.screenshot_path(task)
        if not path.is_file():  # tests/test_browser_guide.py makes it
            continue
        with Image.open(path) as image:
            assert image.format == "WEBP", path.name
            assert image.size == guide.SCREENSHOT_SIZE, path.name
        assert path.stat().st_size < 150_000, path.name


# ---------------------------------------------------------------- replacing a screenshot


def test_needs_update_when_there_is_no_readable_picture(tmp_path):
    new = _png()
    assert guide.needs_update(tmp_path / "missing.webp", new)
    broken = tmp_path / "broken.webp"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    assert guide.needs_update(broken, new)


def test_the_same_picture_is_not_replaced(tmp_path):
    old = tmp_path / "shot.webp"
    old.write_bytes(guide.to_webp(_png()))
    assert not guide.needs_update(old, _png())


def test_codec_noise_is_not_replaced_but_a_changed_word_is(tmp_path):
    old = tmp_path / "shot.webp"
    old.write_bytes(guide.to_webp(_png()))
    # a few faint pixels (anti-aliasing): not a change
    assert not guide.needs_update(old, _png(box=(250, 180, 251, 181), box_colour=(235, 240, 244)))
    # one short word changed, 30×8 pixels of 320×200 (a status word on a real screenshot is
    # about 600 of its 1 024 000 pixels: above the threshold too)
    assert guide.needs_update(old, _png(box=(250, 182, 280, 190)))
    assert guide.CHANGED_SHARE < 600 / (1280 * 800)
    # a view whose times change on every run needs a larger change
    assert not guide.needs_update(old, _png(box=(250, 182, 280, 190)), guide.VOLATILE_SHARE)
    assert guide.needs_update(old, _png(box=(0, 0, 320, 70)), guide.VOLATILE_SHARE)


def test_a_different_size_is_replaced(tmp_path):
    old = tmp_path / "shot.webp"
    old.write_bytes(guide.to_webp(_png(size=(320, 200))))
    assert guide.needs_update(old, _png(size=(320, 201)))


def test_to_webp_keeps_the_size_and_difference_is_symmetric():
    png = _png(size=(200, 120))
    with Image.open(io.BytesIO(guide.to_webp(png))) as stored, Image.open(io.BytesIO(png)) as raw:
        assert stored.format == "WEBP" and stored.size == (200, 120)
        assert guide.changed_share(stored, raw) == pytest.approx(guide.changed_share(raw, stored))
        assert guide.changed_share(raw, raw) == 0
        assert guide.changed_share(stored, raw) <= guide.CHANGED_SHARE  # codec loss alone


# ---------------------------------------------------------------- the page


@pytest.fixture
def guide_page(store_path, monkeypatch, navigation_mode):
    def run(lang: str = "fi") -> AppTest:
        monkeypatch.setenv("DASHBOARD_DB", str(store_path))
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["lang"] = lang
        at.run()
        at.switch_page("pages/guide.py").run()
        assert not at.exception
        return at

    return run


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_guide_page_shows_every_group_task_link_picture_and_method_note(guide_page):
    at = guide_page("fi")
    assert at.title[0].value == "Käyttöohje"
    assert [h.value for h in at.header] == [t(f"guide.group.{g}.title") for g in guide.GROUPS]
    assert [h.proto.anchor for h in at.header] == list(guide.GROUPS)
    # and last, the glossary words the guide's texts linked
    assert [s.value for s in at.subheader] == [t(f"{task.message_prefix}.title")
                                               for task in guide.tasks()] + [
        t("methods.glossary.on_page")]
    text = _markdown(at)
    for group in guide.GROUPS:  # the table of contents
        assert f"[{t(f'guide.group.{group}.title')}](#{group})" in text
    links = at.get("page_link")
    assert len(links) == len(guide.tasks())
    for link, task in zip(links, guide.tasks(), strict=True):
        assert link.proto.label == t("guide.open_view", "fi", page=t(f"nav.{task.nav_key}"))
        expected = "&".join(f"{k}={v}" for k, v in {**task.params, "lang": "fi"}.items())
        assert link.proto.query_string == expected, task.key
    unlinked = re.sub(r"\[([^\]]+)\]\(#term-[a-z_]+\)", r"\1", text)  # glossary words linked
    for task in guide.tasks():
        assert "1. " + t(guide.step_keys(task)[0]) in unlinked
        for topic in task.methods_topics:
            label = t("methods.explain.more", "fi", topic=t(f"methods.{topic}.title"))
            assert f"[{label}]({methods.methods_href(topic, 'fi')})" in text
    assert "avautuu uuteen välilehteen" in text
    images = at.get("image")
    shown = [task for task in guide.tasks() if guide.screenshot_path(task).is_file()]
    assert len(images) == len(shown)
    assert [i.proto.imgs[0].caption for i in images] == [
        t(f"{task.message_prefix}.alt") for task in shown]
    assert [i.proto.imgs[0].alt for i in images] == [  # a short alt: the caption describes it
        t("guide.screenshot", "fi", page=t(f"nav.{task.nav_key}")) for task in shown]
    assert not [c for c in at.caption if c.value == t("guide.finnish_view_note", "fi")]


def test_guide_page_in_swedish_says_the_pictures_show_the_finnish_view(guide_page):
    at = guide_page("sv")
    assert at.title[0].value == "Användarguide"
    assert [h.value for h in at.header] == [t(f"guide.group.{g}.title", "sv")
                                            for g in guide.GROUPS]
    assert t("guide.finnish_view_note", "sv") in [c.value for c in at.caption]
    text = _markdown(at)
    assert "Öppna **Helhetsbild**" in text
    assert f"]({methods.methods_href('intervals', 'sv')})" in text
    assert "öppnas i en ny flik" in text
    labels = [link.proto.label for link in at.get("page_link")]
    assert labels[0] == "Öppna vyn: Helhetsbild"
    assert all(link.proto.query_string.endswith("lang=sv") for link in at.get("page_link"))


def test_guide_page_without_pictures_still_shows_every_task(guide_page, monkeypatch, tmp_path):
    monkeypatch.setattr(guide, "SCREENSHOT_DIR", tmp_path / "none")
    at = guide_page("en")
    assert at.title[0].value == "User guide"
    assert len(at.get("page_link")) == len(guide.tasks())
    assert len(at.get("image")) == 0


@pytest.mark.parametrize("task", guide.tasks(), ids=lambda task: task.key)
def test_every_task_view_opens_without_a_warning_about_its_link(task, open_page):
    at = open_page(task.nav_key, **task.params, lang="fi")
    warnings = [w.value for w in at.warning if "Demoaineisto" not in w.value]
    assert warnings == [], task.key
