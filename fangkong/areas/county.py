"""The seed's county (FACTS.md): Youyang Tujia and Miao Autonomous County, Chongqing, 500242,
with its 39 township-level units."""

from __future__ import annotations

from fangkong.areas.choices import AreaKind

COUNTY_CODE = "500242"
COUNTY_NAME = "酉阳土家族苗族自治县"

STREETS = ["桃花源街道", "钟多街道"]
TOWNS = [
    "龙潭镇",
    "麻旺镇",
    "酉酬镇",
    "大溪镇",
    "兴隆镇",
    "黑水镇",
    "丁市镇",
    "龚滩镇",
    "李溪镇",
    "泔溪镇",
    "酉水河镇",
    "苍岭镇",
    "小河镇",
    "板溪镇",
    "涂市镇",
    "铜鼓镇",
    "五福镇",
    "万木镇",
    "南腰界镇",
]
TOWNSHIPS = [
    "可大乡",
    "偏柏乡",
    "木叶乡",
    "毛坝乡",
    "花田乡",
    "后坪乡",
    "天馆乡",
    "宜居乡",
    "两罾乡",
    "板桥乡",
    "官清乡",
    "车田乡",
    "腴地乡",
    "清泉乡",
    "庙溪乡",
    "浪坪乡",
    "双泉乡",
    "楠木乡",
]


def township_units() -> list[tuple[str, str, str]]:
    """(code, name, kind) of the 39 units; codes follow the national pattern 500242xxx."""
    units: list[tuple[str, str, str]] = []
    for i, name in enumerate(STREETS, start=1):
        units.append((f"{COUNTY_CODE}{i:03d}", name, AreaKind.STREET))
    for i, name in enumerate(TOWNS, start=101):
        units.append((f"{COUNTY_CODE}{i:03d}", name, AreaKind.TOWN))
    for i, name in enumerate(TOWNSHIPS, start=201):
        units.append((f"{COUNTY_CODE}{i:03d}", name, AreaKind.TOWNSHIP))
    return units
