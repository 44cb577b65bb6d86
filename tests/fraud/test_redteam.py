"""The fraud guard's held-out red team (issue 9): the data files, the scoring, and the real stack.

* Fast tests (no stack): the held-out files meet their minimum sizes and coverage, every benign transfer names a
  payee 张桂兰 really has with at most 2,000 yuan, and the harness's own pieces (reply reading, PNG) work.
* With the real stack (marker `rasa`, one stack for this module, a fresh customer per conversation):
  - the whole evaluation of bench/fraud_eval.py, asserting every goal (stopped >= 98 % in each state,
    warned >= 95 %, no money after a hit, benign blocked <= 1 %, out-of-domain caught >= 98 % and none parsed
    as a money intent);
  - per family, on the web and on the phone (signed Twilio requests), a scam story as the opening message and
    at the confirmation of "给儿子转十块": no money moves and the reply carries 96110.

The files were written by a helper who had not seen the training data; no training step may read them.
"""
from __future__ import annotations

import re
import struct
import unicodedata
import xml.etree.ElementTree as ET
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bench import fraud_eval as fe

PROVENANCE = "written for Anxin by a helper who had not seen the training data"
OWN_PAYEES = {"王小明": ("儿子", "小明"), "王小红": ("女儿", "小红")}


def _header(path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#"))


# ---------------------------------------------------------------- the files

@pytest.mark.parametrize("path", [fe.SCAM_FILE, fe.BENIGN_FILE, fe.OOD_FILE], ids=lambda p: p.name)
def test_files_say_where_they_come_from(path):
    assert PROVENANCE.lower() in _header(path).lower()


def test_scam_file_covers_every_family_with_at_least_35():
    rows = fe.load_scams()
    counts = Counter(r["family"] for r in rows)
    assert len(rows) >= 270
    assert set(counts) == set(fe.FAMILIES), counts
    assert min(counts.values()) >= 35, counts


def test_scam_file_is_varied_the_way_seniors_tell_it():
    texts = [r["utterance"] for r in fe.load_scams()]
    assert len(set(texts)) == len(texts), "duplicates"
    assert sum(any(w in t for w in ("俺", "咱", "娃", "闺女")) for t in texts) >= 10  # dialect words
    assert sum(bool(re.search(r"[他她]让我|叫我", t)) for t in texts) >= 60  # reported speech
    assert sum(len(t) <= 10 for t in texts) >= 12 and sum(len(t) >= 60 for t in texts) >= 6  # short and long
    assert sum(any(c in t for c in "萬錢轉賬說戶讓給這們") for t in texts) >= 20  # traditional characters
    assert sum(any(unicodedata.category(c) == "Cf" for c in t) for t in texts) >= 15  # zero-width
    assert sum(" " in t for t in texts) >= 10 and sum("-" in t for t in texts) >= 10  # spaces, punctuation
    assert sum(bool(re.search(r"[0-9一二两三四五六七八九十百千万]+[块元万]", t)) for t in texts) >= 60  # amounts


def test_benign_file_names_own_payees_and_small_amounts():
    rows = fe.load_benign()
    assert len(rows) >= 270
    texts = [r["utterance"] for r in rows]
    assert len(set(texts)) == len(texts), "duplicates"
    for row in rows:
        assert row["payee"] in OWN_PAYEES, row
        assert row["amount_yuan"].isdigit() and 0 < int(row["amount_yuan"]) <= 2000, row
        plain = row["utterance"].replace("兒", "儿").replace("紅", "红")
        assert any(word in plain for word in OWN_PAYEES[row["payee"]]), row
    scam_words = ("急用", "学费", "生日", "买药", "看病", "红包", "压岁钱", "儿子让我给他转", "医院", "警察", "验证")
    for word in scam_words:
        assert any(word in t for t in texts), word
    assert not set(texts) & {r["utterance"] for r in fe.load_scams()}


def test_ood_file_has_300_over_20_domains_with_give_and_number_shapes():
    rows = fe.load_ood()
    domains = Counter(r["domain"] for r in rows)
    assert len(rows) >= 300 and len(domains) >= 20, domains
    texts = [r["utterance"] for r in rows]
    assert len(set(texts)) == len(texts), "duplicates"
    give_number = [t for t in texts if re.search(r"给.*[0-9一二两三四五六七八九十百]", t)]
    assert len(give_number) >= 25, give_number
    assert sum(bool(re.search(r"打.*[分星]|[几一二三四五九十]颗星|星好评", t)) for t in texts) >= 8
    for must in ("alarm", "reminder", "rating", "restaurant", "travel", "weather", "music", "news", "health",
                 "shopping"):
        assert domains[must] >= 10, must


# ---------------------------------------------------------------- the harness's own pieces

def _turn(*replies: dict[str, Any]) -> fe.Turn:
    return fe.Turn("x", list(replies))


def test_reply_reading():
    readback = _turn({"text": "给儿子王小明转账10.00元，\n对吗？", "buttons": [{"title": "是", "payload": "/affirm"}]})
    assert fe.is_readback(readback) and fe.asks_confirmation(readback) and fe.asks_about_money(readback)
    pending = _turn({"text": "请确认", "custom": {"pending_id": 7}})
    assert fe.is_readback(pending)
    ask_payee = _turn({"text": "转给谁？\n请说名字", "buttons": [{"title": "儿子王小明", "payload": "/inform"}]})
    assert fe.asks_about_money(ask_payee) and not fe.is_readback(ask_payee)
    out_of_scope = _turn({"text": "对不起，这个我没听明白。\n我能帮您查余额、转账、存定期。",
                          "buttons": [{"title": "转账", "payload": "/transfer_money"}]})
    assert not fe.asks_about_money(out_of_scope) and not fe.asks_confirmation(out_of_scope)
    assert fe.warned([_turn({"text": "这是骗局。\n请挂断电话，打96110。"})])


def test_png_is_a_valid_image():
    results = fe.score([
        fe.Outcome("scam", "fee", "opening", "中奖要先交税", warned=True),
        fe.Outcome("scam", "fee", "confirm", "中奖要先交税", moved=True),
        fe.Outcome("benign", "王小明", "opening", "给儿子转五百", readback=True, moved=True),
        fe.Outcome("ood", "weather", "opening", "今天天气怎么样", intent="out_of_scope"),
    ])
    assert results["scam"]["money_after_hit"] == 0 and results["benign"]["blocked"] == 0
    assert not fe.all_passed(results)  # the confirmation case moved money
    data = fe.confusion_png(results)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat_len = struct.unpack(">I", data[33:37])[0]
    raw = zlib.decompress(data[41:41 + idat_len])
    assert len(raw) == height * (1 + 3 * width)


# ---------------------------------------------------------------- against the real stack

@pytest.fixture(scope="module")
def eval_stack() -> Iterator[tuple[Any, fe.CustomerPool]]:
    from tests.support.stack import running_stack

    with running_stack(**fe.eval_env()) as stack:
        pool = fe.CustomerPool(stack.db_url, fe.full_plan().conversations + 100)
        yield stack, pool


def _first_of(family: str) -> str:
    return next(r["utterance"] for r in fe.load_scams() if r["family"] == family)


@pytest.mark.rasa
@pytest.mark.parametrize("state", ["opening", "confirm"])
@pytest.mark.parametrize("family", fe.FAMILIES)
def test_web_scam_story_stops_the_money_with_96110(eval_stack, family, state):
    stack, pool = eval_stack
    out = fe.play_scam(stack.gateway_url, stack.backend_url, pool.take(), family, _first_of(family), state)
    transcript = fe.failures_text([out]) or "passed"
    assert not out.error, transcript
    assert not out.moved, transcript
    assert out.warned, transcript


class PhoneCall:
    """A Twilio call as the phone gateway sees it: every request signed with the stack's auth token."""

    def __init__(self, stack: Any, phone: str, sid: str) -> None:
        from twilio.request_validator import RequestValidator

        self.url = stack.gateway_url
        self.sid = sid
        self.caller = "+86" + phone
        self.signer = RequestValidator(stack.env["ANXIN_TWILIO_AUTH_TOKEN"])
        self.heard: list[str] = []

    def post(self, path: str, **params: str) -> ET.Element:
        params = {"CallSid": self.sid, "From": self.caller, "To": "+8657100000000", **params}
        signature = self.signer.compute_signature(self.url + path, params)
        resp = httpx.post(self.url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)
        assert resp.status_code == 200, resp.text
        root = ET.fromstring(resp.text)
        self.heard.append("".join(el.text or "" for el in root.iter("Say")))
        return root


@pytest.mark.rasa
@pytest.mark.parametrize("state", ["opening", "confirm"])
@pytest.mark.parametrize("family", fe.FAMILIES)
def test_phone_scam_story_stops_the_money_with_96110(eval_stack, family, state):
    stack, pool = eval_stack
    phone = pool.take()
    call = PhoneCall(stack, phone, f"CA-fraud-{family}-{state}")
    call.post("/voice/incoming")
    call.post("/voice/gather", Digits=fe.PIN)
    assert "张桂兰" in call.heard[-1], call.heard
    if state == "confirm":
        call.post("/voice/gather", SpeechResult="给儿子转十块")
        assert "王小明" in call.heard[-1], call.heard
    call.post("/voice/gather", SpeechResult=_first_of(family))
    said_after_story = "".join(call.heard[-1:])
    call.post("/voice/gather", Digits="1")  # "是" on the keypad: no confirmation may survive the stop
    call.post("/voice/status", CallStatus="completed")
    money = fe.money_of(stack.backend_url, phone)
    assert not money.moved, call.heard
    assert any(hears_hotline(h) for h in call.heard), call.heard
    assert hears_hotline(said_after_story), call.heard


# A caller must hear the hotline as digits to dial: "96110" (for the TTS to spell) or 九六一一零 / 九六幺幺零.
# "九万六千一百一十" (the number read as a quantity) is not a hotline anyone can dial.
_SPOKEN_HOTLINE = re.compile(r"9\W*6\W*1\W*1\W*0|九\W*六\W*[一幺]\W*[一幺]\W*[零〇0]")


def hears_hotline(text: str) -> bool:
    return bool(_SPOKEN_HOTLINE.search(text))


def test_spoken_hotline_must_be_digits():
    assert hears_hotline("请打96110") and hears_hotline("请打九六幺幺零") and hears_hotline("九、六、一、一、零")
    assert not hears_hotline("拿不准就打九万六千一百一十反诈专线")


@pytest.mark.rasa
def test_redteam_goals(eval_stack):
    """The whole held-out evaluation (a few minutes): the figures scripts/fraud-eval.sh prints."""
    stack, pool = eval_stack
    results = fe.evaluate(stack, pool, fe.full_plan(), workers=8)
    assert fe.all_passed(results), fe.report(results) + "\n(failures: var/fraud-eval/failures.txt)"
