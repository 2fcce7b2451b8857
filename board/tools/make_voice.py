"""Make the display board's Japanese voice clips once; the clips are committed, the board only plays them.

The board must speak without the internet (the sites are offline LANs), so calls are composed in the browser
from short recorded parts: 「受付番号」 + 「エー」 + 「じゅうに」 + 「番の方」 + 「さん」 + 「番窓口へお越しください」.
This script speaks every part once with Open JTalk and the HTS voice "Mei" (MMDAgent, CC BY 3.0: its license
is copied next to the clips and must ship with them), trims the silence around each part, gives all parts one
common loudness, resamples them to 16 kHz mono and writes them as 8-bit µ-law WAV (what every browser's
``decodeAudioData`` reads, half the size of 16-bit PCM), with ``manifest.json`` naming each clip.

Run it from the repository root when a part or the voice changes (needs ``open_jtalk`` and its dictionary)::

    python -m board.tools.make_voice \\
        --voice /path/to/mei_normal.htsvoice --dic /var/lib/mecab/dic/open-jtalk/naist-jdic

Numbers are read from parts: 0–99, the hundreds and the thousands, so every ticket number up to 9999 (and
every counter number up to 99) needs at most three number clips; longer numbers are read digit by digit.
"""

from __future__ import annotations

import argparse
import array
import json
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "static" / "voice" / "ja"
DEFAULT_DIC = Path("/var/lib/mecab/dic/open-jtalk/naist-jdic")
DEFAULT_VOICE = Path("/usr/share/hts-voice/mei/mei_normal.htsvoice")
RATE = 16_000
PEAK = 0.89  # the loudest part peaks here (about -1 dBFS); every part gets the same gain
SILENCE = 0.012  # a sample quieter than this (of full scale) is silence when trimming
MARGIN_S = 0.025  # kept before the first and after the last sound of a part
FADE_S = 0.006  # fade in and out, so parts joined end to end do not click
TAPS_PER_SIDE = 24  # of the low-pass filter used when resampling

PHRASES = {
    "intro": "受付番号",
    "person": "番の方",
    "counter": "番窓口へお越しください",
    "recall": "もう一度お呼びします",
}
"""The fixed parts of a call: recall? + intro + letter + number + person + counter number + counter."""

LETTERS = {
    "A": "エー", "B": "ビー", "C": "シー", "D": "ディー", "E": "イー", "F": "エフ", "G": "ジー",
    "H": "エイチ", "I": "アイ", "J": "ジェー", "K": "ケー", "L": "エル", "M": "エム", "N": "エヌ",
    "O": "オー", "P": "ピー", "Q": "キュー", "R": "アール", "S": "エス", "T": "ティー", "U": "ユー",
    "V": "ブイ", "W": "ダブリュー", "X": "エックス", "Y": "ワイ", "Z": "ゼット",
}  # fmt: skip
"""Ticket prefixes as Japanese says the letters."""


def number_texts() -> dict[str, str]:
    """Number parts: 0 (ゼロ, for digit-by-digit reading), 1–99, 100–900 and 1000–9000."""
    numbers = ["ゼロ", *map(str, range(1, 100)), *map(str, range(100, 1000, 100)), *map(str, range(1000, 10000, 1000))]
    return {f"num-{0 if text == 'ゼロ' else text}": text for text in numbers}


def clip_texts() -> dict[str, str]:
    """Every clip id with the text Open JTalk speaks for it."""
    return {
        **PHRASES,
        **{f"letter-{letter.lower()}": text for letter, text in LETTERS.items()},
        **number_texts(),
    }


@dataclass
class Clip:
    id: str
    text: str
    samples: list[float]  # -1.0 .. 1.0
    rate: int


def speak(text: str, voice: Path, dic: Path, work: Path) -> Clip:
    """One part spoken by Open JTalk (UTF-8 text on standard input, a 16-bit mono WAV out)."""
    out = work / "part.wav"
    command = ["open_jtalk", "-x", str(dic), "-m", str(voice), "-ow", str(out)]
    subprocess.run(command, input=text.encode("utf-8"), check=True, capture_output=True, timeout=60)
    with wave.open(str(out), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise SystemExit(f"open_jtalk wrote {wav.getnchannels()} channels of {wav.getsampwidth()} bytes")
        rate = wav.getframerate()
        pcm = array.array("h", wav.readframes(wav.getnframes()))
    if sys.byteorder == "big":
        pcm.byteswap()
    return Clip("", text, [s / 32768 for s in pcm], rate)


def trim(samples: list[float], rate: int) -> list[float]:
    """The part without the silence Open JTalk puts before and after it (a short margin stays)."""
    loud = [i for i, s in enumerate(samples) if abs(s) > SILENCE]
    if not loud:
        return samples
    margin = int(MARGIN_S * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin + 1]


def lowpass(cutoff: float, taps_per_side: int) -> list[float]:
    """A windowed-sinc (Blackman) low-pass filter; ``cutoff`` as a fraction of the source rate."""
    taps = []
    for k in range(-taps_per_side, taps_per_side + 1):
        ideal = 2 * cutoff if k == 0 else math.sin(2 * math.pi * cutoff * k) / (math.pi * k)
        n = k + taps_per_side
        width = 2 * taps_per_side
        window = 0.42 - 0.5 * math.cos(2 * math.pi * n / width) + 0.08 * math.cos(4 * math.pi * n / width)
        taps.append(ideal * window)
    total = sum(taps)
    return [t / total for t in taps]


def decimate(samples: list[float], factor: int) -> list[float]:
    """Every ``factor``-th sample after a low-pass below the new Nyquist frequency (no aliasing)."""
    if factor == 1:
        return samples
    taps = lowpass(0.45 / factor, TAPS_PER_SIDE * factor)
    half = len(taps) // 2
    padded = [0.0] * half + samples + [0.0] * half
    return [sum(map(float.__mul__, taps, padded[i : i + len(taps)])) for i in range(0, len(samples), factor)]


def fade(samples: list[float], rate: int) -> list[float]:
    n = min(int(FADE_S * rate), len(samples) // 2)
    out = list(samples)
    for i in range(n):
        gain = i / n
        out[i] *= gain
        out[-1 - i] *= gain
    return out


def mulaw(sample: float) -> int:
    """One sample as G.711 µ-law (the byte a WAV of format 7 holds)."""
    bias, clip = 0x84, 32635
    value = max(-32768, min(32767, round(sample * 32767)))
    sign = 0x80 if value < 0 else 0
    magnitude = min(abs(value), clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not magnitude & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def mulaw_wav(samples: Sequence[float], rate: int) -> bytes:
    """A mono 8-bit µ-law WAV file (format tag 7, with the ``fact`` chunk non-PCM formats need)."""
    body = bytes(mulaw(s) for s in samples)
    fmt = struct.pack("<HHIIHHH", 7, 1, rate, rate, 1, 8, 0)
    chunks = b"".join(
        [
            b"fmt " + struct.pack("<I", len(fmt)) + fmt,
            b"fact" + struct.pack("<II", 4, len(samples)),
            b"data" + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b""),
        ]
    )
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def make(voice: Path, dic: Path, out: Path, rate: int) -> int:
    """Write every clip, the manifest and the voice's license to ``out``; returns the bytes written."""
    texts = clip_texts()
    clips = []
    with tempfile.TemporaryDirectory() as work:
        for clip_id, text in texts.items():
            clip = speak(text, voice, dic, Path(work))
            clip.id = clip_id
            clip.samples = trim(clip.samples, clip.rate)
            clips.append(clip)
    peak = max(abs(s) for clip in clips for s in clip.samples)
    gain = PEAK / peak
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.wav"):
        old.unlink()
    manifest: dict[str, object] = {
        "voice": "Mei (HTS voice mei_normal, MMDAgent Project Team, Nagoya Institute of Technology), CC BY 3.0",
        "license": "LICENSE-mei.txt",
        "engine": "Open JTalk 1.10 with naist-jdic",
        "made_by": "board/tools/make_voice.py",
        "sample_rate": rate,
        "format": "WAV, mono, 8-bit mu-law",
        "clips": {},
    }
    listing: dict[str, dict[str, object]] = {}
    total = 0
    for clip in clips:
        if clip.rate % rate:
            raise SystemExit(f"the voice speaks at {clip.rate} Hz, which {rate} Hz does not divide")
        samples = fade(decimate([s * gain for s in clip.samples], clip.rate // rate), rate)
        data = mulaw_wav(samples, rate)
        (out / f"{clip.id}.wav").write_bytes(data)
        total += len(data)
        listing[clip.id] = {"file": f"{clip.id}.wav", "text": clip.text, "ms": round(1000 * len(samples) / rate)}
    manifest["clips"] = listing
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    license_file = voice.parent / f"LICENSE_{voice.name}"
    if license_file.is_file():
        shutil.copyfile(license_file, out / "LICENSE-mei.txt")
    elif not (out / "LICENSE-mei.txt").is_file():
        raise SystemExit(f"no license next to the voice ({license_file}): the clips may not ship without it")
    return total + sum(p.stat().st_size for p in out.iterdir() if p.suffix != ".wav")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--voice", type=Path, default=DEFAULT_VOICE, help="the .htsvoice file (Mei)")
    parser.add_argument("--dic", type=Path, default=DEFAULT_DIC, help="Open JTalk's dictionary directory")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the clips go (board/static/voice/ja)")
    parser.add_argument("--rate", type=int, default=RATE, help="sample rate of the clips in Hz")
    args = parser.parse_args(argv)
    if shutil.which("open_jtalk") is None:
        raise SystemExit("open_jtalk is not installed (apt-get install open-jtalk open-jtalk-mecab-naist-jdic)")
    total = make(args.voice, args.dic, args.out, args.rate)
    print(f"{len(clip_texts())} clips, {total / 1024:.0f} KiB in {args.out}")


if __name__ == "__main__":
    main()
