"""Message catalogs of the pages: one JSON file per language in ``server/web/i18n/``.

The same files serve the server (Jinja renders the first screen in Japanese, before any script runs) and the
browser (``static/i18n.js`` loads them from ``/static/i18n/``), so a text exists in exactly one place. A value is
a string with ``{name}`` placeholders, or ``{"one": ..., "other": ...}`` for a count (the plural category of the
language decides; Japanese, Chinese, Korean and Vietnamese only use ``other``).

Keys starting with ``staff.`` (the staff pages' shared top bar), ``guide.``, ``login.``, ``setup.``, ``phone.``
or ``console.`` are staff texts: Japanese and English only (DESIGN §6). Every other key is a visitor text and is
in every catalog (tested).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).resolve().parent / "i18n"
STAFF_PREFIXES = ("staff.", "guide.", "login.", "setup.", "phone.", "console.")
STAFF_LANGUAGES = ("ja", "en")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

Message = str | dict[str, str]


@functools.cache
def catalog(lang: str) -> Mapping[str, Message]:
    """The catalog of ``lang`` (read once per process)."""
    path = CATALOG_DIR / f"{lang}.json"
    data: dict[str, Message] = json.loads(path.read_text(encoding="utf-8"))
    return data


def available() -> tuple[str, ...]:
    """Languages that have a catalog, by file name."""
    return tuple(sorted(p.stem for p in CATALOG_DIR.glob("*.json")))


def fallbacks(lang: str) -> tuple[str, ...]:
    """Where a missing text is looked up: やさしい日本語 falls back to Japanese, other languages to English."""
    if lang in ("ja", "ja-easy"):
        return (lang, "ja") if lang != "ja" else ("ja",)
    return (lang, "en", "ja")


def lookup(lang: str, key: str) -> Message | None:
    for code in fallbacks(lang):
        if code in available() and key in catalog(code):
            return catalog(code)[key]
    return None


def translate(lang: str, key: str, /, **params: Any) -> str:
    """The text of ``key`` in ``lang`` with its placeholders filled; the key itself when no catalog has it."""
    message = lookup(lang, key)
    if message is None:
        return key
    if isinstance(message, dict):
        message = message.get("one" if params.get("n") == 1 and "one" in message else "other", "")
    return PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), m.group(0))), message)


def placeholders(message: Message) -> set[str]:
    texts = message.values() if isinstance(message, dict) else [message]
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def is_staff_key(key: str) -> bool:
    return key.startswith(STAFF_PREFIXES)
