"""Japanese line breaking on the screens: long service names wrap between phrases, never inside a word.

The kiosk's buttons (portrait 1080×1920 and landscape 1920×1080), a board row, the counter console (1920×1080
and 1366×768) and the visitor page on a phone show 「申請受付・申請サポート（写真撮影等）」 and
「電子証明書（発行・失効・更新）」; the test reads where the browser
actually wrapped them (one Range per character, grouped by line box) and checks that no word is split
(申請サポー／ト, 失／効), that kinsoku holds and that every line stays inside its box. The page script's phrase
breaks are checked to be the ticket printer's, for every name and Japanese text of the configuration.
Screenshots of what was measured go to the test's temporary folder (the pictures in docs/screens are
tests/e2e/test_screens.py's and test_board.py's).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from printers import linebreak
from server.config import load_config
from tests.conftest import LiveServer, issue, open_counter
from tests.e2e.conftest import LANDSCAPE, PORTRAIT, Pages
from tests.e2e.test_board import open_board
from tests.e2e.test_console import open_console
from tests.e2e.test_visitor import open_phone

ROOT = Path(__file__).resolve().parents[2]
LONG = {"application": "申請受付・申請サポート（写真撮影等）", "e-cert": "電子証明書（発行・失効・更新）"}
WORDS = ("申請受付", "申請サポート", "写真撮影等", "電子証明書", "発行", "失効", "更新")

LINES = r"""([box, selector, name]) => {
  // The text of each line box of the element `selector` finds in the element `box`: one Range per character, a
  // new line where the top moves down; and the sides of `box`. Null until the text laid out there is `name`
  // (the board and the consoles redraw their rows on events: waiting is on the page showing it, in one call).
  const container = document.querySelector(box);
  const el = container?.querySelector(selector);
  if (!el) return null;
  const rect = container.getBoundingClientRect();
  const lines = [];
  let top = null;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i += 1) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const char = range.getClientRects()[0];
      if (!char || !char.width) continue;
      if (top === null || char.top > top + char.height / 2) {
        lines.push({ text: "", left: char.left, right: char.right });
        top = char.top;
      }
      const line = lines[lines.length - 1];
      line.text += node.data[i];
      line.left = Math.min(line.left, char.left);
      line.right = Math.max(line.right, char.right);
    }
  }
  const shown = lines.map((line) => line.text).join("").replace(/\s/g, "");
  return shown === name ? { lines, left: rect.left, right: rect.right } : null;
}"""


async def wrapped(page: Page, box: str, selector: str, name: str) -> list[str]:
    """The lines ``name`` is drawn in at ``selector`` inside ``box`` (CSS selectors), once it is drawn there,
    after checking each line lies inside ``box`` (nothing overflows its button, row or box)."""
    handle = await page.wait_for_function(LINES, arg=[box, selector, name])
    found: dict[str, Any] = await handle.json_value()
    lines = [line["text"].strip() for line in found["lines"]]
    for line in found["lines"]:
        assert found["left"] - 1 <= line["left"] and line["right"] <= found["right"] + 1, f"{lines} overflows its box"
    return lines


def faults(lines: list[str], name: str) -> list[str]:
    """What is wrong with how ``name`` was wrapped into ``lines``: split words, kinsoku."""
    assert "".join(lines).replace(" ", "") == name, lines
    split = [f"split {word}: {lines}" for word in WORDS if word in name and not any(word in line for line in lines)]
    kinsoku = [
        f"kinsoku: {line!r}"
        for line in lines
        if line[:1] in linebreak.NO_LINE_START or line[-1:] in linebreak.NO_LINE_END
    ]
    return split + kinsoku


async def busy(server: LiveServer) -> None:
    """Counters open for the long-named services and people waiting for them."""
    admin = await server.login("admin")
    await open_counter(admin, "ch-booth-2", "application", "inquiry")
    kiosk = await server.device("kiosk")
    for service, count in {"application": 3, "e-cert": 2, "pickup": 4, "insurance-link": 1}.items():
        for _ in range(count):
            await issue(kiosk, service)


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE])
async def test_kiosk_buttons_break_long_names_between_phrases(
    create_server: Any, pages: Pages, tmp_path: Path, viewport: dict[str, int]
) -> None:
    server = create_server()
    await busy(server)
    kiosk = await pages.kiosk(server, viewport=viewport)
    await expect(kiosk.locator(".svc[data-service=application] .svc-waiting")).to_have_text("3人待ち")
    for service, name in LONG.items():
        assert faults(await wrapped(kiosk, f".svc[data-service={service}]", ".svc-name", name), name) == []
    await kiosk.screenshot(path=str(tmp_path / f"kiosk-{viewport['width']}.png"))


async def test_board_rows_break_long_names_between_phrases(create_server: Any, pages: Pages, tmp_path: Path) -> None:
    server = create_server()
    await busy(server)
    board = await open_board(pages, server, "?audio=silent")
    for service, name in LONG.items():
        lines = await wrapped(board, f"#waits tr[data-service={service}] th", ".b-service-names [lang=ja]", name)
        assert faults(lines, name) == []
    await board.screenshot(animations="disabled", path=str(tmp_path / "board-linebreak.png"))


@pytest.mark.parametrize("size", [LANDSCAPE, {"width": 1366, "height": 768}])
async def test_the_console_breaks_long_names_between_phrases(
    create_server: Any, pages: Pages, tmp_path: Path, size: dict[str, int]
) -> None:
    server = create_server()
    await busy(server)
    context = await pages.context(size)
    console = await open_console(pages, server, "ch-booth-3", ("e-cert", "application"), context=context)
    await console.keyboard.press("n")  # call the next number: A001 (application, the earliest)
    await expect(console.locator("#ticket-service")).to_have_text(LONG["application"])
    current = await wrapped(console, "#held .k-facts", "#ticket-service", LONG["application"])
    assert faults(current, LONG["application"]) == []
    for service, name in LONG.items():
        lines = await wrapped(console, f".k-svc[data-service={service}] .k-svc-head", ".k-svc-name", name)
        assert faults(lines, name) == []
    await console.screenshot(path=str(tmp_path / f"console-linebreak-{size['width']}.png"))


async def test_the_visitor_page_on_a_phone_breaks_the_name_between_phrases(
    create_server: Any, pages: Pages, tmp_path: Path
) -> None:
    server = create_server()
    kiosk = await server.device("kiosk")
    for service, name in LONG.items():
        ticket = await issue(kiosk, service)
        phone = await open_phone(pages, server, ticket["token"])
        await expect(phone.locator("#service")).to_have_text(name)
        assert faults(await wrapped(phone, ".v-service", "#service", name), name) == []
        await phone.screenshot(path=str(tmp_path / f"visitor-{service}.png"))


async def test_the_pages_break_where_the_tickets_do(create_server: Any, pages: Pages) -> None:
    """linebreak.js (the vendored BudouX) and printers.linebreak agree on every Japanese text of the config."""
    config = load_config(ROOT / "config" / "fukutsu.toml")
    texts = sorted(
        {s.name for s in config.services}
        | {s.name for s in config.sites}
        | {v for v in json.loads((ROOT / "server/web/i18n/ja.json").read_text("utf-8")).values() if isinstance(v, str)}
        | {"申請受付・申請サポート（写真撮影等）", "電子証明書の発行・失効・更新", "しょっちゅう ちょっと　びっくり"}
    )
    kiosk = await pages.kiosk(create_server())
    in_browser = await kiosk.evaluate(
        """async (texts) => {
          const { phraseBreaks } = await import("/static/web/linebreak.js");
          return texts.map((text) => phraseBreaks(text));
        }""",
        texts,
    )
    expected = [[i for i in linebreak.breaks(text) if text[i - 1] not in linebreak.SPACES] for text in texts]
    assert len(texts) > 100
    assert dict(zip(texts, in_browser, strict=True)) == dict(zip(texts, expected, strict=True))
    wbr = await kiosk.locator(".svc[data-service=application] .svc-name wbr").count()
    assert wbr == 1  # 申請受付・申請サポート<wbr>（写真撮影等）
