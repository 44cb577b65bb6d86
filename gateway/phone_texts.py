"""What the phone line says on its own (outside the assistant's replies). Short sentences, plain words,
every choice also as a key; the PIN only ever on the keypad.

The phone channel's wording lives with the channel (gateway/routes/phone.py); numbers in it come from the
settings they describe, written as they are said.
"""
from __future__ import annotations

from money import say_count

WELCOME = "您好，这里是安心助手。"
ASK_PIN = "请在电话按键上，输入六位密码，输完按井号键。密码不要说出来。"
PIN_FORMAT = "密码是六位数字。"
PIN_RETRY = "请重新输入六位密码，输完按井号键。"
SPOKEN_PIN = "为了安全，密码请不要说出来。"
PIN_NOT_AGAIN = "密码已经输过了，不用再输，也不要说出来。"
UNKNOWN_CALLER = "对不起，这个电话号码还没有开通安心服务。"
SIGNED_IN = "{name}，密码正确。想再听一遍，可以按星号键。"
STILL_THERE = "您还在吗？"
OFFER_PERSON = "好像没有听到您说话。转人工请按0，继续请按1。"
OFFER_PERSON_ONLY = "需要人工帮忙，请按0。不需要，可以直接挂机。"
HEAR_AGAIN = "想再听一遍，请按星号键。"
CONTINUE = "好的，请说您要办的事。"
TRANSFERRING = "好的，正在为您转接人工客服，请稍等。"
NO_STAFF = "对不起，现在没有人工客服在线。请在工作时间再打来。"
STAFF_MISSED = "对不起，人工客服暂时没有接通。请稍后再打来。"
GOODBYE = "感谢您的来电，再见。"
SILENT_GOODBYE = "我们先挂断了，您可以随时再打来。再见。"


def times(count: int) -> str:
    """A count of tries as said: 1 -> 一次, 2 -> 两次, 3 -> 三次, 10 -> 十次."""
    return say_count(count, "次")


def pin_too_many(max_failures: int) -> str:
    """After PhoneSettings.max_pin_failures wrong PINs in one call (the backend's own lock-out, after
    ANXIN_MAX_PIN_ATTEMPTS across calls, is its own sentence)."""
    return f"密码已经错了{times(max_failures)}。为了您的资金安全，这次通话不能再输密码了。"
