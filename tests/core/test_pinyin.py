"""Name initials for the search boxes: the per-character shortcut spells every name as
pypinyin does, phrase readings of characters with several initials included."""

from __future__ import annotations

import pytest
from pypinyin import Style, lazy_pinyin

from fangkong.core.pinyin import pinyin_initials


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("张三", "zs"),
        ("重庆", "cq"),  # 重: zhong or chong, the phrase decides
        ("单田芳", None),  # 单: dan, shan or chan
        ("新员工12", "xyg1"),  # a run of digits counts once, as pypinyin cuts it
        ("Li 李", None),
        ("𠀀张", None),  # outside the common Han block
        ("", ""),
    ],
)
def test_initials_are_what_pypinyin_spells(name, initials):
    spelled = "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()
    assert pinyin_initials(name) == spelled[:30]
    if initials is not None:
        assert pinyin_initials(name) == initials
