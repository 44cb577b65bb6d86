"""The one scam check, and finding payees by relationship or name."""
from __future__ import annotations

import pytest

from actions.payees import match_payees, normalise_relationship
from actions.scam import find_scam_phrase


@pytest.mark.parametrize("text", [
    "他说我的卡不安全，要把钱转到安全账户", "公安局打电话让我转账配合调查", "检察院的人说要资金核查，让我汇款",
    "银行的人让我把验证码告诉他", "你把短信验证码念给我听", "手机上刷单返利能赚钱", "我儿子换了新号码找我借钱",
    "中奖了要先交手续费", "他们说我涉嫌洗钱",
])
def test_scam_scripts_are_caught(text):
    assert find_scam_phrase(text) is not None


@pytest.mark.parametrize("text", [
    "给儿子转500块", "查一下余额", "我想存一年定期", "验证码收到了", "公安局旁边那个网点几点开门", "",
])
def test_ordinary_requests_are_not(text):
    assert find_scam_phrase(text) is None


PAYEES = [{"id": 1, "name": "王小明", "relationship": "儿子"}, {"id": 2, "name": "李春花", "relationship": "闺女"}]


def test_relationships_are_normalised_with_the_nlu_phrase_list():
    assert normalise_relationship("闺女") == normalise_relationship("女儿")
    assert [p["id"] for p in match_payees(PAYEES, relationship="女儿")] == [2]


def test_names_and_given_names():
    assert [p["id"] for p in match_payees(PAYEES, text="转给王小明吧")] == [1]
    assert [p["id"] for p in match_payees(PAYEES, text="给小明")] == [1]
    assert match_payees(PAYEES, text="给张三") == []
