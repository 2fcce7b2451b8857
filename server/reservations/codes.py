"""Reservation codes: short, read out over the phone, typed on a kiosk, scanned from a QR code.

A code is ``CODE_LENGTH`` characters of ``ALPHABET`` followed by one check character. The alphabet
leaves out the characters people confuse when reading or hearing them: 0 and O, 1, I and L, 2 and Z. The check
character (Luhn mod N) catches every single wrong character and almost every swap of two neighbours, so a
misheard code is refused as "no such reservation" instead of finding someone else's.
"""

from __future__ import annotations

import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXY"
"""30 characters: digits without 0 and 1, letters without I, L, O and Z (read as 2). Luhn mod N needs
an even number of characters to catch every single wrong one."""
CODE_LENGTH = 5
"""Random characters before the check character: 30**5, about 24 million codes."""

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_N = len(ALPHABET)


def check_char(body: str) -> str:
    """The Luhn mod N check character of ``body`` (every character must be in ``ALPHABET``)."""
    factor = 2
    total = 0
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def new_code() -> str:
    """A fresh random code with its check character."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return body + check_char(body)


def normalize(text: str) -> str:
    """What someone typed or a scanner sent, as a code: full-width to ASCII, upper case, no spaces or '-'."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in folded if ch not in " -\u3000")


def is_valid(code: str) -> bool:
    """Whether ``code`` (normalized) has the right length, alphabet and check character."""
    if len(code) != CODE_LENGTH + 1 or any(ch not in _VALUE for ch in code):
        return False
    return check_char(code[:-1]) == code[-1]


def spaced(code: str) -> str:
    """The code for reading aloud or printing: ``K7M3QX`` -> ``K7M 3QX``."""
    half = (len(code) + 1) // 2
    return f"{code[:half]} {code[half:]}"
