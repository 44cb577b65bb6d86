"""Finding payees by relationship or name (the scam rules are tested with rules.fraud)."""
from __future__ import annotations

from actions.payees import match_payees, normalise_relationship

PAYEES = [{"id": 1, "name": "王小明", "relationship": "儿子"}, {"id": 2, "name": "李春花", "relationship": "闺女"}]


def test_relationships_are_normalised_with_the_nlu_phrase_list():
    assert normalise_relationship("闺女") == normalise_relationship("女儿")
    assert [p["id"] for p in match_payees(PAYEES, relationship="女儿")] == [2]


def test_names_and_given_names():
    assert [p["id"] for p in match_payees(PAYEES, text="转给王小明吧")] == [1]
    assert [p["id"] for p in match_payees(PAYEES, text="给小明")] == [1]
    assert match_payees(PAYEES, text="给张三") == []
