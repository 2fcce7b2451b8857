"""Every catalog key the admin and password pages use exists (in Japanese, and so in English: staff texts are
checked in both by tests/unit/test_web_catalogs.py), including the keys their scripts build from a name."""

from __future__ import annotations

import re
from pathlib import Path

from server.admin.routes import LINKS, SECTIONS
from server.web import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("server/admin/templates/**/*.html"), *ROOT.glob("server/admin/static/*.js")]
KEY = re.compile(r"""["'`]((?:staff|setup|guide)\.[a-z_]+(?:\.[a-z_]+)*)["'`]""")
BUILT = [
    *(f"staff.admin.nav.{s.id}" for s in SECTIONS),
    *(f"staff.admin.link.{link}" for link, _, _ in LINKS),
    *(f"staff.admin.error.{c}" for c in ("forbidden", "validation_error", "conflict", "not_found", "unknown_site",
                                         "wrong_password", "rate_limited", "network", "other")),
    *(f"staff.admin.devices.kind.{k}" for k in ("kiosk", "board")),
    *(f"staff.admin.printers.kind.{k}" for k in ("network", "usb", "serial", "file", "preview")),
    *(f"staff.admin.printers.test.{s}" for s in ("queued", "printing", "printed", "retrying", "failed")),
    *(f"staff.admin.staff.done_{c}" for c in ("disable", "enable")),
    *(f"staff.admin.audit.family.{f}" for f in ("auth", "staff", "device", "ticket", "counter", "notice", "printer",
                                                "day", "reservation", "incident", "tally")),
    *(f"setup.error.{kind}_{part}" for kind in ("not_found", "forbidden") for part in ("title", "body")),
]  # fmt: skip


def test_every_key_the_admin_pages_use_exists() -> None:
    used = {key for path in SOURCES for key in KEY.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 100, "the pattern finds the keys"
    missing = sorted(key for key in used | set(BUILT) if i18n.lookup("ja", key) is None)
    assert missing == []


def test_every_family_of_the_audit_filter_has_its_words() -> None:
    script = (ROOT / "server/admin/static/audit.js").read_text(encoding="utf-8")
    families = re.search(r"const FAMILIES = \[([^\]]*)\]", script)
    assert families is not None
    for family in re.findall(r'"([a-z]+)"', families.group(1)):
        assert f"staff.admin.audit.family.{family}" in BUILT
