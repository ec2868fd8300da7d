#!/usr/bin/env python3
"""Git merge driver for gettext catalogues: the union of both sides' entries.

Parallel branches each add their own msgids; a textual merge of .po files conflicts on
every neighbouring entry. This driver keeps our side, adds entries only theirs has, and
takes their translation where ours is empty. Run `make messages` after a merge so the
catalogue is re-extracted, sorted and compiled.

    git config merge.pounion.driver 'python3 scripts/pomerge.py %O %A %B'
"""

from __future__ import annotations

import re
import sys


def _blocks(text: str) -> list[str]:
    """Entries of a catalogue, without obsolete (#~) ones: makemessages re-marks what is gone."""
    blocks = [b for b in re.split(r"\n\s*\n", text.strip("\n")) if b.strip()]
    return [
        b
        for b in blocks
        if not all(ln.startswith("#") for ln in b.splitlines()) or b.startswith("# ")
    ]


def _key(block: str) -> str:
    """msgctxt + msgid (+ plural) as text, whatever the line wrapping of either side."""
    parts: list[str] = []
    on = False
    for ln in block.splitlines():
        if ln.startswith("#"):
            continue
        if ln.startswith(("msgctxt", "msgid")):
            on = True
            parts.append("\x00" + ln.split(" ", 1)[0])
        elif ln.startswith("msgstr"):
            on = False
        if on:
            parts.extend(re.findall(r'"((?:[^"\\]|\\.)*)"', ln))
    return "".join(parts)


def _translated(block: str) -> bool:
    strs = re.findall(r'^msgstr(?:\[\d+\])? "(.*)"$', block, re.M)
    tail = re.findall(r'^"(.+)"$', block.split("msgstr", 1)[-1], re.M) if "msgstr" in block else []
    return any(strs) or bool(tail)


def main(base: str, ours: str, theirs: str) -> int:
    with open(ours, encoding="utf-8") as f:
        ours_blocks = _blocks(f.read())
    with open(theirs, encoding="utf-8") as f:
        theirs_blocks = _blocks(f.read())
    index = {_key(b): i for i, b in enumerate(ours_blocks)}
    for block in theirs_blocks:
        k = _key(block)
        if k not in index:
            index[k] = len(ours_blocks)
            ours_blocks.append(block)
        elif _translated(block) and not _translated(ours_blocks[index[k]]) and k:
            ours_blocks[index[k]] = block
    with open(ours, "w", encoding="utf-8") as f:
        f.write("\n\n".join(ours_blocks) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
