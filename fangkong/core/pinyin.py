"""Pinyin of Chinese names, for search boxes that take what people type on a phone:
``钟多街道`` → full pinyin ``zhongduojiedao``, initials ``zdjd``."""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin, pinyin

_NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9a-z]")
# A name cut into runs of common Han characters and runs of ASCII: what pypinyin would cut.
_RUNS = re.compile(r"[\u4e00-\u9fff]|[\x00-\x7f]+")
# Han character -> its initial when every reading of it starts with the same letter, None
# when its readings differ (the phrase decides: 重庆 cq, 重量 zl). At most ~21,000 entries.
_INITIAL: dict[str, str | None] = {}


def _initial(ch: str) -> str | None:
    got = _INITIAL.get(ch, "")
    if got == "":
        letters = {p[:1] for p in pinyin(ch, style=Style.FIRST_LETTER, heteronym=True)[0]}
        got = _INITIAL[ch] = letters.pop() if len(letters) == 1 else None
    return got


def pinyin_initials(name: str) -> str:
    """``张三`` -> ``zs``; Latin letters are kept, lower-cased.

    Whitelists and registers bring tens of thousands of names an import: pypinyin's phrase
    matching costs ~0.1 ms a name, so a name whose characters each have one possible
    initial is spelled from a per-character cache (the same result); a name with a
    character of several readings, or outside the common Han and ASCII ranges, goes through
    pypinyin."""
    out = []
    pos = 0
    for m in _RUNS.finditer(name):
        if m.start() != pos:
            break
        pos = m.end()
        run = m.group()
        letter = run[0] if run[0] < "\x80" else _initial(run)
        if letter is None:
            break
        out.append(letter)
    else:
        if pos == len(name):
            return "".join(out).lower()[:30]
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
