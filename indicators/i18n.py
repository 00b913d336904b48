"""The one message catalogue: every user-facing string comes from `locales/<lang>.yaml`.

Finnish is the reference language; Swedish and English fall back to Finnish key by key until
their catalogues are complete (the language issue completes them).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from indicators.yaml_safe import safe_load

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in node.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{full}."))
        else:
            out[full] = str(value)
    return out


@lru_cache(maxsize=8)
def messages(lang: str) -> dict[str, str]:
    """All messages of one language as flat dotted keys.

    Read from `locales/<lang>.yaml` plus any `locales/<lang>.<part>.yaml` (one part per area of the
    code, so that separate modules keep separate files); a key defined twice is an error.
    """
    out: dict[str, str] = {}
    paths = [LOCALE_DIR / f"{lang}.yaml", *sorted(LOCALE_DIR.glob(f"{lang}.*.yaml"))]
    for path in paths:
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            part = _flatten(safe_load(handle) or {})
        clash = sorted(set(part) & set(out))
        if clash:
            raise ValueError(f"message keys defined twice ({path.name}): {clash[:5]}")
        out.update(part)
    return out


def normalise_language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """The message `key` in `lang` (falling back to Finnish), formatted with `params`.

    A key missing from the Finnish catalogue is a programming error and raises KeyError; the test
    suite checks that every key used in the code exists.
    """
    text = messages(normalise_language(lang)).get(key)
    if text is None:
        text = messages(DEFAULT_LANGUAGE)[key]
    return text.format(**params) if params else text
