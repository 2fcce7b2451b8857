"""The display board and the visitor's phone page over plain HTTP: who sees the board (HTML refusals for everyone
else), its area and audio options, the site's audio default from the config, the visitor page for any holder of
a token (a friendly 404 for an unknown one), and the voice clips the board plays."""

from __future__ import annotations

import html
import json
import re
import struct
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from server.config import check_config, config_from_dict
from server.web import i18n
from tests.conftest import issue
from tests.integration.test_pages import assert_page

ROOT = Path(__file__).resolve().parents[2]
VOICE = ROOT / "board" / "static" / "voice" / "ja"
BOARD_SOURCES = [*ROOT.glob("board/templates/**/*.html"), *ROOT.glob("board/static/*.js")]
KEY_IN_SOURCE = re.compile(
    r"""["']((?:board|visitor|ticket|kiosk|setup|conn|app|unavailable)\.[a-z_]+(?:\.[a-z_]+)*)["`']"""
)


EVENTS = {
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.returned", "ticket.serving", "ticket.done",
    "ticket.no_show", "ticket.cancelled", "ticket.transferred", "ticket.status",
}  # fmt: skip
"""Websocket message types: strings in the scripts that look like message keys but are not."""


def boot_of(body: str) -> dict[str, Any]:
    found = re.search(r'data-boot="([^"]*)"', body)
    assert found, "the page hands its data to the script in data-boot"
    data: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return data


async def test_board_for_its_board_pc_and_the_sites_staff(server: Any) -> None:
    body = assert_page(await (await server.device("board")).get("/board/city-hall"), 200)
    assert '<html lang="ja">' in body and "/static/board/board.js" in body and 'id="announce-log"' in body
    boot = boot_of(body)
    assert boot["site"] == "city-hall" and boot["area"] is None and boot["audio"] == "voice"
    assert {c["id"]: (c["number"], c["area"]) for c in boot["counters"]}["ch-meeting-4"] == (4, "meeting-room")
    assert boot["voice"] == "/static/board/voice/ja/"
    for role in ("operator", "guide", "manager", "phone"):
        assert_page(await (await server.login(role, ("city-hall",))).get("/board/city-hall"), 200)
    assert_page(await (await server.login("admin")).get("/board/city-hall"), 200)


async def test_everyone_else_gets_an_explanation(server: Any) -> None:
    unpaired = assert_page(await server.http().get("/board/city-hall"), 401)
    assert "この表示板は準備中です" in unpaired and "--kind board" in unpaired
    kiosk = assert_page(await (await server.device("kiosk")).get("/board/city-hall"), 403)
    assert "発券機として登録されています" in kiosk
    other = assert_page(await (await server.device("board", "tsuyazaki")).get("/board/city-hall"), 403)
    assert "別の拠点の表示板" in other
    staff = assert_page(await (await server.login("operator", ("tsuyazaki",))).get("/board/city-hall"), 403)
    assert "この拠点の職員" in staff
    assert_page(await (await server.login("admin")).get("/board/nowhere"), 404)


async def test_area_and_audio_options(server: Any) -> None:
    board = await server.device("board")
    booth = assert_page(await board.get("/board/city-hall", params={"area": "booth", "audio": "chime"}), 200)
    assert "マイナンバー専用ブース" in booth
    boot = boot_of(booth)
    assert boot["area"] == "booth" and boot["audio"] == "chime"
    assert boot["area_names"] == {"ja": "マイナンバー専用ブース", "en": "My Number booth"}
    assert boot_of(assert_page(await board.get("/board/city-hall?audio=silent"), 200))["audio"] == "silent"

    nowhere = assert_page(await board.get("/board/city-hall", params={"area": "lobby"}), 404)
    assert "「lobby」というエリアはありません" in nowhere and "booth, meeting-room" in nowhere
    loud = assert_page(await board.get("/board/city-hall", params={"audio": "loud<b>"}), 400)
    assert "loud&lt;b&gt;" in loud and "voice, chime, silent" in loud and "loud<b>" not in loud


async def test_the_sites_audio_default_comes_from_the_config(create_server: Any, config: Any) -> None:
    sites = tuple(msgspec.structs.replace(s, board_audio="chime") if s.id == "city-hall" else s for s in config.sites)
    server = create_server(config=msgspec.structs.replace(config, sites=sites))
    board = await server.device("board")
    assert boot_of(assert_page(await board.get("/board/city-hall"), 200))["audio"] == "chime"
    assert boot_of(assert_page(await board.get("/board/city-hall?audio=voice"), 200))["audio"] == "voice"


def test_config_check_names_a_bad_audio_setting(tmp_path: Path) -> None:
    text = (ROOT / "config" / "fukutsu.toml").read_text(encoding="utf-8")
    assert config_from_dict(tomllib.loads(text)).sites[0].board_audio == "voice"  # the default
    path = tmp_path / "bad.toml"
    path.write_text(text.replace('id = "tsuyazaki"\n', 'id = "tsuyazaki"\nboard_audio = "loud"\n'), encoding="utf-8")
    errors = check_config(path)
    assert errors == ["sites[1].board_audio: 'loud' is not one of voice, chime, silent"]


async def test_visitor_page_for_anyone_with_the_token(server: Any) -> None:
    ticket = await issue(await server.device("kiosk"), "pickup", lang="vi")
    body = assert_page(await server.http().get(f"/t/{ticket['token']}"), 200)
    assert '<html lang="vi">' in body and ticket["number"] in body and "/static/board/visitor.js" in body
    boot = boot_of(body)
    assert boot["token"] == ticket["token"] and boot["lang"] == "vi"
    assert boot["status"]["number"] == ticket["number"] and boot["status"]["status"] == "waiting"
    assert ticket["id"] not in body, "the ticket id (a staff handle) stays off the public page"
    assert "operator" not in boot["status"]
    english = assert_page(await server.http().get(f"/t/{ticket['token']}", params={"lang": "en"}), 200)
    assert boot_of(english)["lang"] == "en" and '<html lang="en">' in english
    unknown_lang = assert_page(await server.http().get(f"/t/{ticket['token']}", params={"lang": "xx"}), 200)
    assert boot_of(unknown_lang)["lang"] == "vi"


async def test_unknown_token_is_a_friendly_404_and_floods_are_refused(server: Any) -> None:
    client = server.http()
    missing = assert_page(await client.get("/t/not-a-real-token"), 404)
    assert "この番号札は見つかりませんでした" in missing and "This ticket could not be found" in missing
    english = assert_page(await client.get("/t/not-a-real-token?lang=en"), 404)
    assert '<html lang="en">' in english and "この番号札は見つかりませんでした" in english
    statuses = [(await client.get("/t/not-a-real-token")).status_code for _ in range(130)]
    assert statuses[-1] == 429 and set(statuses) == {404, 429}
    flooded = assert_page(await client.get("/t/not-a-real-token"), 429)
    assert "1分ほど待ってから" in flooded


async def test_visitor_page_while_the_store_is_down(create_redis: Any, create_server: Any) -> None:
    store = create_redis()
    server = create_server(url=store.url)
    ticket = await issue(await server.device("kiosk"), "pickup")
    store.stop()
    body = assert_page(await server.http().get(f"/t/{ticket['token']}"), 503)
    assert "/static/web/retry.js" in body
    store.start()
    assert_page(await server.http().get(f"/t/{ticket['token']}"), 200)


async def test_static_files_of_the_board(server: Any) -> None:
    client = server.http()
    for path in ("/static/board/board.js", "/static/board/voice.js", "/static/board/visitor.js"):
        r = await client.get(path)
        assert r.status_code == 200 and "javascript" in r.headers["content-type"], path
    manifest = (await client.get("/static/board/voice/ja/manifest.json")).json()
    clip = await client.get(f"/static/board/voice/ja/{manifest['clips']['intro']['file']}")
    assert clip.status_code == 200 and clip.content[:4] == b"RIFF"
    assert (await client.get("/static/board/voice/ja/LICENSE-mei.txt")).status_code == 200
    assert (await client.get("/static/board/routes.py")).status_code == 404


def test_voice_clips_cover_every_call_and_stay_small(config: Any) -> None:
    manifest = json.loads((VOICE / "manifest.json").read_text(encoding="utf-8"))
    clips = manifest["clips"]
    needed = {"intro", "person", "counter", "recall"}
    needed |= {f"letter-{s.prefix.lower()}" for s in config.services}
    needed |= {f"num-{n}" for n in [*range(100), *range(100, 1000, 100), *range(1000, 10000, 1000)]}
    assert needed <= set(clips)
    files = {p.name for p in VOICE.glob("*.wav")}
    assert files == {c["file"] for c in clips.values()}, "the manifest and the folder agree"
    total = sum(p.stat().st_size for p in VOICE.iterdir())
    assert total < 2_000_000, f"voice clips take {total} bytes"
    assert "Creative Commons Attribution 3.0" in (VOICE / manifest["license"]).read_text(encoding="utf-8")
    for name in ("intro.wav", "letter-p.wav", "num-99.wav"):
        header = (VOICE / name).read_bytes()[:36]
        fmt, channels, rate = struct.unpack("<HHI", header[20:28])
        assert (header[:4], header[8:12], fmt, channels, rate) == (b"RIFF", b"WAVE", 7, 1, 16000), name


def test_every_text_the_board_pages_use_exists() -> None:
    used = {(p.name, k) for p in BOARD_SOURCES for k in KEY_IN_SOURCE.findall(p.read_text(encoding="utf-8"))} - {
        (p.name, k) for p in BOARD_SOURCES for k in EVENTS
    }
    assert any(key.startswith("visitor.") for _, key in used) and any(key.startswith("board.") for _, key in used)
    missing = sorted((name, key) for name, key in used if i18n.lookup("ja", key) is None)
    assert missing == []
