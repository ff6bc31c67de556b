"""How wide a label renders, estimated without a browser (pure): the charts size their margins
and cut their labels by it, never by counting characters.

The widths are those of the widest common sans-serif (DejaVu Sans, the Linux default, whose
Latin letters are wider than Segoe UI's or San Francisco's), so a label that fits here fits
on the other systems too; East Asian wide characters take a full em, emoji a little more (Noto
Color Emoji advances 1.25 em), combining marks, joiners and variation selectors nothing. The
report's Chromium test measures the rendered boxes against these estimates.
"""

from __future__ import annotations

import unicodedata

# Em widths of DejaVu Sans (advance / 2048), rounded up.
_NARROW = dict.fromkeys("il.,:;'|!`ı", 0.32) | dict.fromkeys('fjtI()[]{}/\\-"', 0.42)
_WIDE = dict.fromkeys("mwMW@%—…", 1.0) | dict.fromkeys("ABCDGHKNOQRUVXY&", 0.78)
_SPACE = 0.33
_DIGIT = 0.64
_LOWER = 0.63
_UPPER = 0.72
_OTHER = 0.66
_CJK = 1.0
_EMOJI = 1.3
ELLIPSIS = "…"


def _is_emoji(ch: str) -> bool:
    code = ord(ch)
    return (
        0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
        or 0x2B00 <= code <= 0x2BFF
        or 0x1F900 <= code <= 0x1F9FF
    )


def char_em(ch: str) -> float:
    """One character's estimated advance, in em."""
    if ch in _NARROW:
        return _NARROW[ch]
    if ch in _WIDE:
        return _WIDE[ch]
    if ch == " ":
        return _SPACE
    if ch.isdigit() and ch.isascii():
        return _DIGIT
    if ch.isascii():
        return _UPPER if ch.isupper() else _LOWER
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0.0  # accents, zero-width joiners
    if 0xFE00 <= ord(ch) <= 0xFE0F:  # variation selectors
        return 0.0
    if _is_emoji(ch):
        return _EMOJI
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return _CJK
    if ch.isupper():
        return _UPPER
    return _OTHER


def width(text: str, size: float) -> float:
    """The estimated rendered width of `text` at font size `size` (the same unit)."""
    return sum(char_em(c) for c in text) * size


def fit(text: str, room: float, size: float) -> str:
    """`text` if it fits in `room` at `size`, else its longest start that fits with an
    ellipsis (never cutting between a character and its combining marks)."""
    if width(text, size) <= room:
        return text
    budget = room - width(ELLIPSIS, size)
    used, cut = 0.0, 0
    for i, ch in enumerate(text):
        used += char_em(ch) * size
        if used > budget:
            break
        cut = i + 1
    while cut and (unicodedata.combining(text[cut - 1]) or 0xFE00 <= ord(text[cut - 1]) <= 0xFE0F):
        cut -= 1  # a mark belongs with the character before it
    return text[:cut].rstrip() + ELLIPSIS


def wrap(text: str, room: float, size: float, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines of `room`, broken at spaces (the last line cut with an
    ellipsis when the text is longer)."""
    words, out, line = text.split(" "), [], ""
    for i, word in enumerate(words):
        candidate = f"{line} {word}".strip()
        if width(candidate, size) <= room or not line:
            line = candidate
            continue
        out.append(line)
        line = word
        if len(out) == lines - 1:
            line = " ".join(words[i:])
            break
    out.append(line)
    return [fit(x, room, size) for x in out[:lines]]
