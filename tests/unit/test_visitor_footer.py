"""The visitor page's footer, 「この画面は自動で更新されます　10:05 現在」 in every language, reads as one line:
the time part does not repeat a word of the sentence before it (Vietnamese said "… tự động cập nhật Cập nhật lúc
10:05")."""

from __future__ import annotations

import re

import pytest

from server.config import LANGUAGES
from server.web import i18n


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_footer_says_each_word_once(lang: str) -> None:
    live = i18n.translate(lang, "visitor.live")
    updated = i18n.translate(lang, "visitor.updated", time="10:05")
    words = re.findall(r"\w+", live.casefold())
    pairs = {" ".join(words[i : i + 2]) for i in range(len(words) - 1)}
    later = re.findall(r"\w+", updated.casefold())
    repeated = [pair for pair in (" ".join(later[i : i + 2]) for i in range(len(later) - 1)) if pair in pairs]
    assert repeated == [], f"{live} {updated}"
