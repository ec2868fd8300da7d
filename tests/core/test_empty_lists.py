"""An empty list says why it is empty, in the user's language: nothing in the user's areas,
nothing in the chosen group, or nothing for this user; never a bare "nothing here"."""

import pytest

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def zh_page(client, url: str) -> str:
    resp = client.get(url, **ZH)
    assert resp.status_code == 200, url
    return resp.content.decode()


def test_empty_lists_say_why_in_chinese(users, login, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    county = login(users["county"])
    assert "您没有通知。" in zh_page(county, "/notices/")
    assert "您的辖区内没有隔离点。" in zh_page(county, "/sites/capacity/")
    assert "您辖区内没有人属于重点人群。" in zh_page(county, "/people/categories/")
    assert "暂无数据" not in zh_page(county, "/notices/")


def test_an_empty_filtered_directive_list_says_the_group_is_empty(users, login, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    county = login(users["county"])
    assert "您的辖区没有指令。" in zh_page(county, "/command/directives/")
    assert "您辖区内没有属于此类的指令。" in zh_page(county, "/command/directives/?show=overdue")
