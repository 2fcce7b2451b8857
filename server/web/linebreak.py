"""Japanese text on the pages breaks between phrases: the ``phrases`` Jinja filter puts ``<wbr>`` between them.

The pages set Japanese text with ``word-break: keep-all`` and ``line-break: strict`` (no break inside a run of
kanji and kana, no small kana or closing bracket at a line start). On its own, keep-all would leave a long name
such as 「申請受付・申請サポート（写真撮影等）」 one unbreakable run that overflows a kiosk button or a board row;
``<wbr>`` at the BudouX phrase boundaries gives it the same break opportunities a printed ticket has
(``printers.linebreak``, one set of rules for paper and screen). Text the pages receive as data gets the same
breaks in the browser (``/static/web/linebreak.js``).

Usage in a template: ``{{ site.name|phrases }}``. The text is escaped; only the ``<wbr>`` are markup.
"""

from __future__ import annotations

from typing import Any

from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from printers import linebreak

WBR = Markup("<wbr>")


def phrase_breaks(text: Any, lang: str = "ja") -> Markup:
    """``text`` escaped, with ``<wbr>`` at each phrase boundary that is not already a space.

    Markup (text that is already HTML) is returned as it is: breaks inside tags would break the tags.
    """
    if text is None:
        return Markup("")
    if hasattr(text, "__html__"):
        return Markup(text)
    out = Markup("")
    for unit in linebreak.phrases(str(text), lang):
        if out and not out.endswith((" ", "\u3000")):
            out += WBR
        out += escape(unit)
    return out


def register(engine: JinjaTemplateEngine) -> None:
    """Add the ``phrases`` filter to the pages' Jinja environment (``TemplateConfig.engine_callback``)."""
    engine.engine.filters["phrases"] = phrase_breaks
