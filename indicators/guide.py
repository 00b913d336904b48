"""The user guide's registry: who uses the dashboard, what each of them comes for, and the view
of the dashboard that answers it (page, query parameters, the method notes that explain it, and
a screenshot of that view kept current by tests/test_browser_guide.py).

The texts (titles, numbered steps, screenshot alt texts) live in the message catalogue
(`locales/<lang>.guide.yaml`); pages/guide.py only lays them out. No Streamlit here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indicators.i18n import DEFAULT_LANGUAGE, messages
from indicators.settings import REPO_ROOT

#: The user groups, in the order the guide shows them.
GROUPS: tuple[str, ...] = ("steering_group", "working_group", "arkitiimi", "maintainer")

SCREENSHOT_DIR = REPO_ROOT / "docs" / "guide"
#: Screenshots are taken of this viewport, in Finnish.
SCREENSHOT_SIZE = (1280, 800)
WEBP_QUALITY = 80
#: A new screenshot replaces the committed one only when it differs visibly: more than this share
#: of its pixels changed by more than CHANGED_LEVEL in some channel (0–255), or a different size.
#: 0.02 % of 1280×800 is about 200 pixels: a changed word or number, not codec noise.
CHANGED_SHARE = 0.0002
CHANGED_LEVEL = 24
#: A view with run-dependent times and paths: about 10 000 pixels of 1280×800, far more than
#: its timestamps, far less than a changed layout.
VOLATILE_SHARE = 0.01


@dataclass(frozen=True)
class Task:
    """One thing a user group comes for, and the view of the dashboard that does it.

    `focus` is a message key whose text the screenshot scrolls to the top of the view (a section
    lower on the page); `sign_in` says the view is shown as a signed-in maintainer sees it;
    `volatile` says the view shows times and server paths that differ on every run (the import
    history), so only a larger change replaces its picture (VOLATILE_SHARE).
    """

    key: str
    group: str
    page: str  # the pages/*.py file, as dashboard.py registers it
    url_path: str  # "" for the overview (served at /)
    params: dict[str, str] = field(default_factory=dict)
    methods_topics: tuple[str, ...] = ()
    screenshot: str | None = None
    focus: str | None = None
    sign_in: bool = False
    volatile: bool = False

    @property
    def nav_key(self) -> str:
        """The page's key in dashboard.py's registry (`nav.<key>` is its menu title)."""
        return self.url_path or "overview"

    @property
    def message_prefix(self) -> str:
        return f"guide.task.{self.key}"


# The Hämeenlinna region (SK051) and the town of Hämeenlinna (KU109) are the guide's examples:
# the region works on the ADHD-type symptoms phenomenon, so every view has something to show.
_TASKS: tuple[Task, ...] = (
    # -------------------------------------------------------------- regional steering group
    Task("compare_regions", "steering_group", "pages/overview.py", "", {},
         ("intervals", "small_areas"), "overview_regions.webp"),
    Task("follow_shared_goals", "steering_group", "pages/goals.py", "goals", {"area": "HV07"},
         ("progress",), "goals_county.webp"),
    Task("county_review", "steering_group", "pages/review.py", "review", {"area": "HV07"},
         ("progress", "signals"), "review_county.webp"),
    Task("compare_with_country", "steering_group", "pages/indicator.py", "indicator",
         {"indicator": "cw_notifications_rate", "area": "HV07"},
         ("intervals", "suppression"), "indicator_county.webp"),
    # -------------------------------------------------------------- regional working group
    Task("quarterly_review", "working_group", "pages/review.py", "review", {"area": "SK051"},
         ("signals", "progress"), "review_region.webp", focus="review.section.key_results"),
    Task("key_results_on_track", "working_group", "pages/goals.py", "goals", {"area": "SK051"},
         ("progress", "small_areas"), "goals_region.webp",
         focus="goals.owner.regional_working_group"),
    Task("omatiimi_feedback", "working_group", "pages/omatiimi.py", "omatiimi",
         {"area": "SK051", "indicator": "omatiimi_felt_helped"},
         ("signals", "suppression"), "omatiimi_region.webp"),
    # -------------------------------------------------------------- Arkitiimi (one municipality)
    Task("prepare_phenomenon", "arkitiimi", "pages/phenomena.py", "phenomena",
         {"phenomenon": "adhd_symptoms", "area": "KU109"},
         ("signals", "small_areas"), "phenomena_municipality.webp"),
    Task("local_figures", "arkitiimi", "pages/indicator.py", "indicator",
         {"indicator": "concentration_difficulties", "area": "KU109"},
         ("intervals", "surveys", "suppression"), "indicator_municipality.webp"),
    Task("print_brief", "arkitiimi", "pages/phenomena.py", "phenomena",
         {"phenomenon": "adhd_symptoms", "area": "KU109"},
         ("small_areas", "suppression"), "brief_municipality.webp",
         focus="phenomenon.area_for_charts"),
    # -------------------------------------------------------------- data maintainer
    Task("import_file", "maintainer", "pages/data.py", "data", {},
         ("suppression", "demo"), "data_import.webp", focus="data.upload_label", sign_in=True),
    Task("rollback_import", "maintainer", "pages/data.py", "data", {},
         ("demo",), "data_rollback.webp", focus="data.history_title", sign_in=True,
         volatile=True),
    Task("refresh_open_data", "maintainer", "pages/data.py", "data", {},
         ("demo", "intervals"), "data_open_data.webp", focus="sources.title", sign_in=True),
    Task("config_and_checkins", "maintainer", "pages/goals.py", "goals", {"area": "SK051"},
         ("progress",), "goals_checkin.webp", focus="goals.checkin.add", sign_in=True),
)


def tasks(group: str | None = None) -> list[Task]:
    """Every task in the guide's order, or one group's."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"unknown user group {group!r}")
    return [task for task in _TASKS if group is None or task.group == group]


def step_keys(task: Task) -> list[str]:
    """The message keys of a task's numbered steps (`guide.task.<key>.steps.1`, `.2`, …), as
    many as the Finnish catalogue has (the other languages have the same keys: tests)."""
    fi = messages(DEFAULT_LANGUAGE)
    keys = []
    while f"{task.message_prefix}.steps.{len(keys) + 1}" in fi:
        keys.append(f"{task.message_prefix}.steps.{len(keys) + 1}")
    return keys


def screenshot_path(task: Task) -> Path | None:
    """Where the task's screenshot is kept (docs/guide/<name>), or None if it has none."""
    return SCREENSHOT_DIR / task.screenshot if task.screenshot else None


def screenshot_for_display(task: Task) -> bytes | None:
    """The task's screenshot as JPEG bytes for `st.image`, or None if there is no picture.

    Streamlit re-encodes any image that is not JPEG, PNG or GIF into a JPEG (quality 90) on
    every run that shows it: about 12 ms per screenshot, 14 on the guide page. Converted once
    here (per file version) and handed over as JPEG, the picture is sent as it is.
    """
    path = screenshot_path(task)
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return _as_jpeg(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _as_jpeg(path: str, mtime_ns: int, size: int) -> bytes | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=90)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return out.getvalue()


def to_webp(png_bytes: bytes) -> bytes:
    """A screenshot (PNG) as it is committed: lossy WebP (small, sharp enough for a UI)."""
    from PIL import Image

    with Image.open(io.BytesIO(png_bytes)) as image:
        out = io.BytesIO()
        image.convert("RGB").save(out, format="WEBP", quality=WEBP_QUALITY, method=6)
    return out.getvalue()


def changed_share(first, second) -> float:
    """The share of pixels of two equally sized images that differ by more than CHANGED_LEVEL in
    some channel: a few changed words count, however small against the whole picture."""
    from PIL import ImageChops

    diff = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
    strongest = diff.getchannel(0)
    for band in (1, 2):
        strongest = ImageChops.lighter(strongest, diff.getchannel(band))
    changed = strongest.point(lambda level: 255 if level > CHANGED_LEVEL else 0)
    histogram = changed.histogram()
    return histogram[255] / (first.size[0] * first.size[1])


def needs_update(old_path: Path, new_png_bytes: bytes, share: float = CHANGED_SHARE) -> bool:
    """Whether a new screenshot should replace the committed one: there is none (or it cannot
    be read), the size differs, or the pictures differ visibly. The new one is compared as it
    would be stored (through the same WebP encoding), so the codec's own loss never counts as a
    change. A changed time of day shown in a view counts as a change too: keep clocks out of the
    screenshots' views."""
    from PIL import Image, UnidentifiedImageError

    with Image.open(io.BytesIO(new_png_bytes)) as new:
        new_size = new.size
    try:
        with Image.open(old_path) as old:
            old.load()
            if old.size != new_size:
                return True
            with Image.open(io.BytesIO(to_webp(new_png_bytes))) as stored:
                return changed_share(old, stored) > share
    except (OSError, UnidentifiedImageError, ValueError):  # missing, truncated, not an image
        return True
