"""What Anxin says when a customer takes back a delayed-arrival transfer (撤回, issue 12). Short lines, one
thought each, as every reply of Anxin (a line break is a pause on the phone)."""
from __future__ import annotations

REVOKE_TEXTS = {
    "readback": "您转给{payee}的{amount}元，\n{capitals}，\n还没有到账，{arrives}到。\n"
                "现在还能撤回，撤回后钱回到您的账户。\n要撤回这笔吗？",
    "done": "撤回了。\n{amount}元回到了您的账户，\n没有转出去。",
    "kept": "好的，不撤回。\n这笔钱{arrives}到{payee}的账户。",
    "arrived": "转给{payee}的{amount}元已经到账了，\n撤不回来了。\n要帮忙，请说“转人工”。",
    "arrived_meanwhile": "这笔钱刚刚已经到账，\n撤不回来了。\n要帮忙，请说“转人工”。",
    "already_revoked": "转给{payee}的{amount}元已经撤回了，\n钱在您的账户里。",
    "held": "转给{payee}的{amount}元还在等银行工作人员核对，\n钱还没有转出。\n不想转了，请说“转人工”，告诉工作人员。",
    "nothing": "您最近没有可以撤回的转账。\n实时到账的钱，转出就到了，撤不回来。\n要帮忙，请说“转人工”。",
    "refused": "{message}",
    "unknown": "对不起，还没收到银行的结果。\n请先查一下余额，不要再撤一次。",
}
BUTTON_YES = "是，撤回"
BUTTON_NO = "不撤回"
BUTTON_PERSON = "转人工"
