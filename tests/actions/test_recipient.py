"""The relationship after 给 names the payee when a message names two relatives."""
from __future__ import annotations

from actions.recipient import payee_relationship
from tests.actions.conftest import make_tracker


def _tracker(text: str, *words: str):
    entities = [{"entity": "relationship", "value": w, "start": text.index(w), "end": text.index(w) + len(w)}
                for w in words]
    return make_tracker(text, "transfer_money", entities=entities)


def test_the_relative_after_gei_is_the_payee():
    assert payee_relationship(_tracker("孙女考上高中了，给儿子转五百请客", "孙女", "儿子")) == "儿子"
    assert payee_relationship(_tracker("老伴说了，转给女儿一千", "老伴", "女儿")) == "女儿"


def test_otherwise_the_first_relative_said():
    assert payee_relationship(_tracker("女儿和儿子谁的卡都行，转五百", "女儿", "儿子")) == "女儿"
    assert payee_relationship(_tracker("转五百")) is None


def test_a_gei_clause_about_something_else_is_not_the_payee():
    text = "女儿陪外孙去医院给外孙打针，给她转三百"
    assert payee_relationship(_tracker(text, "女儿", "外孙")) == "女儿"
    assert payee_relationship(_tracker("给孙子买了书，给儿子转两百", "孙子", "儿子")) == "儿子"
