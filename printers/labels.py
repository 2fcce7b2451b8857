"""The fixed words printed on a ticket, one dict per language, and the date formats.

Japanese is always printed first; a visitor who chose another language gets the same line in their
language, smaller, below it. ``ja-easy`` is やさしい日本語 (simple Japanese for residents still learning
it). Service names are not here: they come from the configuration, through the caller.

Keys: ``number`` (heading above the big number), ``waiting_ahead`` + ``people`` (label and value),
``estimated_wait`` + ``minutes`` / ``soon``, ``no_counter`` + ``no_counter_note`` (instead of both when no
counter serving the service was open at issue), ``issued``, ``qr`` (caption under the QR code), ``footer``
(the default footer), ``training`` (研修 banner), ``sep`` (between a label and its value).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from japanera import EraDate

LANGUAGES: Final = ("ja", "en", "zh", "ko", "vi", "ja-easy")
TOKYO: Final = ZoneInfo("Asia/Tokyo")

LABELS: Final[dict[str, dict[str, str]]] = {
    "ja": {
        "number": "受付番号",
        "waiting_ahead": "お待ちの方",
        "people": "{n}人",
        "estimated_wait": "待ち時間の目安",
        "minutes": "約{m}分",
        "soon": "まもなくお呼びします",
        "no_counter": "窓口が開きしだいお呼びします",
        "no_counter_note": "（発券時、この手続きの窓口は開いていませんでした）",
        "issued": "発行",
        "qr": "スマートフォンで呼出状況を確認できます",
        "footer": "番号が呼ばれるまでお待ちください",
        "training": "研修用",
        "sep": "　",
    },
    "en": {
        "number": "Your number",
        "waiting_ahead": "People ahead of you",
        "people": "{n}",
        "estimated_wait": "Estimated wait",
        "minutes": "about {m} min",
        "soon": "You will be called soon",
        "no_counter": "You will be called when a counter opens",
        "no_counter_note": "(No counter for this service was open when this ticket was issued.)",
        "issued": "Issued",
        "qr": "Scan to check your turn on your phone",
        "footer": "Please wait until your number is called",
        "training": "TRAINING",
        "sep": ": ",
    },
    "zh": {
        "number": "您的号码",
        "waiting_ahead": "前面等候人数",
        "people": "{n}人",
        "estimated_wait": "预计等候时间",
        "minutes": "约{m}分钟",
        "soon": "即将叫号",
        "no_counter": "窗口开放后将按顺序叫号",
        "no_counter_note": "（发券时，办理此业务的窗口尚未开放）",
        "issued": "发券时间",
        "qr": "扫描二维码可在手机上查看叫号进度",
        "footer": "叫到您的号码前请稍候",
        "training": "培训用",
        "sep": "：",
    },
    "ko": {
        "number": "대기 번호",
        "waiting_ahead": "앞 대기 인원",
        "people": "{n}명",
        "estimated_wait": "예상 대기 시간",
        "minutes": "약 {m}분",
        "soon": "곧 호출됩니다",
        "no_counter": "창구가 열리는 대로 호출합니다",
        "no_counter_note": "(발행 시 이 업무의 창구가 열려 있지 않았습니다)",
        "issued": "발행",
        "qr": "QR 코드로 휴대폰에서 순서를 확인할 수 있습니다",
        "footer": "번호가 호출될 때까지 기다려 주십시오",
        "training": "연수용",
        "sep": ": ",
    },
    "vi": {
        "number": "Số thứ tự của bạn",
        "waiting_ahead": "Số người chờ trước bạn",
        "people": "{n} người",
        "estimated_wait": "Thời gian chờ dự kiến",
        "minutes": "khoảng {m} phút",
        "soon": "Sắp đến lượt bạn",
        "no_counter": "Bạn sẽ được gọi khi quầy mở",
        "no_counter_note": "(Lúc lấy số, chưa có quầy nào phục vụ thủ tục này.)",
        "issued": "Cấp lúc",
        "qr": "Quét mã QR để xem lượt của bạn trên điện thoại",
        "footer": "Vui lòng chờ đến khi số của bạn được gọi",
        "training": "ĐÀO TẠO",
        "sep": ": ",
    },
    "ja-easy": {
        "number": "あなたの ばんごう",
        "waiting_ahead": "まえに まっている ひと",
        "people": "{n}にん",
        "estimated_wait": "まつ じかん",
        "minutes": "だいたい {m}分",
        "soon": "もうすぐ よばれます",
        "no_counter": "まどぐちが あいたら よびます",
        "no_counter_note": "（ばんごうを とった とき、まどぐちは あいて いませんでした）",
        "issued": "ばんごうを とった とき",
        "qr": "スマートフォンで じゅんばんを みることが できます",
        "footer": "ばんごうを よばれるまで まって ください",
        "training": "れんしゅう",
        "sep": "：",
    },
}

_WEEKDAYS: Final[dict[str, tuple[str, ...]]] = {
    "ja": ("月", "火", "水", "木", "金", "土", "日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "ko": ("월", "화", "수", "목", "금", "토", "일"),
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
}
_MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def labels_for(lang: str) -> dict[str, str]:
    """The labels of ``lang``; unknown languages get English (never a KeyError at the kiosk)."""
    return LABELS.get(lang) or LABELS["en"]


def wareki(day: date) -> str:
    """「令和8年11月24日」: the Japanese era year (元年 for the first), month and day. The eras and their first
    days come from the ``japanera`` library (as in the reports' titles), not from a table typed here."""
    era = EraDate.from_date(day).era
    if era.kanji in ("西暦", "不明"):
        return f"{day.year}年{day.month}月{day.day}日"
    year = day.year - era.since.year + 1
    return f"{era.kanji}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def to_tokyo(moment: datetime) -> datetime:
    """Tokyo time of ``moment``; a naive datetime is taken to be Tokyo time already."""
    return moment.replace(tzinfo=TOKYO) if moment.tzinfo is None else moment.astimezone(TOKYO)


def format_issued(moment: datetime, lang: str = "ja") -> str:
    """Issue date and 24 h time as people of ``lang`` write it, e.g. 「令和8年11月24日（火） 10:05」."""
    t = to_tokyo(moment)
    hm = f"{t.hour:02d}:{t.minute:02d}"
    wd = t.weekday()
    if lang == "ja":
        return f"{wareki(t.date())}（{_WEEKDAYS['ja'][wd]}） {hm}"
    if lang == "ja-easy":
        return f"{t.year}年{t.month}月{t.day}日（{_WEEKDAYS['ja'][wd]}） {hm}"
    if lang == "zh":
        return f"{t.year}年{t.month}月{t.day}日（{_WEEKDAYS['zh'][wd]}） {hm}"
    if lang == "ko":
        return f"{t.year}년 {t.month}월 {t.day}일 ({_WEEKDAYS['ko'][wd]}) {hm}"
    if lang == "vi":
        return f"{hm}, {_WEEKDAYS['vi'][wd]}, {t.day:02d}/{t.month:02d}/{t.year}"
    return f"{_WEEKDAYS['en'][wd]} {t.day} {_MONTHS_EN[t.month - 1]} {t.year}, {hm}"


# ---- the "please come back" slip of a paused service (printers.ticket.render_paused_slip) -----------------------

PAUSED_SLIP: Final[dict[str, dict[str, str]]] = {
    "ja": {
        "title": "受付休止のお知らせ",
        "stopped": "{service}の受付を一時休止しています。",
        "reason": "理由：{reason}",
        "number": "受付番号（取り消しました）",
        "come_back": "大変申し訳ございません。後日あらためてお越しください。",
    },
    "en": {
        "title": "Service suspended",
        "stopped": "{service} has been suspended for now.",
        "reason": "Reason: {reason}",
        "number": "Your number (cancelled)",
        "come_back": "We are very sorry. Please come back another day.",
    },
    "zh": {
        "title": "暂停受理通知",
        "stopped": "{service}暂停受理。",
        "reason": "原因：{reason}",
        "number": "您的号码（已取消）",
        "come_back": "非常抱歉，请改日再来。",
    },
    "ko": {
        "title": "접수 중단 안내",
        "stopped": "{service} 접수를 일시 중단했습니다.",
        "reason": "사유: {reason}",
        "number": "대기 번호 (취소됨)",
        "come_back": "대단히 죄송합니다. 다른 날 다시 방문해 주십시오.",
    },
    "vi": {
        "title": "Thông báo tạm ngừng tiếp nhận",
        "stopped": "Tạm ngừng tiếp nhận: {service}.",
        "reason": "Lý do: {reason}",
        "number": "Số thứ tự của bạn (đã hủy)",
        "come_back": "Chúng tôi rất xin lỗi. Vui lòng quay lại vào ngày khác.",
    },
    "ja-easy": {
        "title": "うけつけを やすんで います",
        "stopped": "いま {service}の うけつけを やすんで います。",
        "reason": "りゆう：{reason}",
        "number": "あなたの ばんごう（とりけしました）",
        "come_back": "ごめんなさい。べつの ひに また きて ください。",
    },
}


def paused_slip_labels(lang: str) -> dict[str, str]:
    """The words of the paused-service slip in ``lang``; unknown languages get English."""
    return PAUSED_SLIP.get(lang) or PAUSED_SLIP["en"]
