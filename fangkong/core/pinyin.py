"""Pinyin of Chinese names, for search boxes that take what people type on a phone:
``钟多街道`` → full pinyin ``zhongduojiedao``, initials ``zdjd``."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9a-z]")


def pinyin_initials(name: str) -> str:
    """``张三`` -> ``zs``; Latin letters are kept, lower-cased."""
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()[:30]


def pinyin_full(name: str, max_length: int = 200) -> str:
    """``钟多街道`` -> ``zhongduojiedao`` (no tones, no separators; Latin letters and digits
    kept, lower-cased)."""
    return _NOT_LETTER_OR_DIGIT.sub("", "".join(lazy_pinyin(name)).lower())[:max_length]


def as_pinyin_query(text: str) -> str | None:
    """What a search box was given, as pinyin to match (``Zhong Duo`` -> ``zhongduo``), or
    None when it holds anything but Latin letters, digits, spaces and apostrophes."""
    text = text.strip().lower()
    if not text or not text.isascii():
        return None
    cleaned = _NOT_LETTER_OR_DIGIT.sub("", text)
    if len(cleaned) != len(re.sub(r"[\s']", "", text)) or not re.search(r"[a-z]", cleaned):
        return None
    return cleaned
