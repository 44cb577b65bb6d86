"""Wording of the replies the custom actions send (those the rules send are in assistant/domain.yml).

Short sentences (<= 20 characters where possible), plain words, no English, no emoji. Values are filled
with str.format; buttons are added by the actions.
"""
from __future__ import annotations

TEXTS: dict[str, str] = {
    "balance": '{account_name}，尾号{tail}。\n余额{amount}元。\n{capitals}。',
    "no_accounts": '没有找到您的账户。',
    "transactions_header": '{account_name}最近{count}笔：',
    "transaction_line": '{date}，{direction}{amount}元。\n{capitals}。{counterparty}',
    "no_transactions": '{account_name}最近没有收支。',
    "ask_transfer_amount": '转多少钱？\n请说一个数，比如“五百元”。',
    "amount_ambiguous": '请说一个准确的数。\n比如“五百元”。',
    "amount_foreign": '这里只能办人民币。',
    "amount_invalid": '这个金额不对。',
    "payee_not_found": '没有找到“{hint}”。',
    "no_payees": '您还没有收款人。\n添加收款人，请到柜台办理。',
    "transfer_done": '转好了。\n给{payee_label}转了{amount}元。\n{capitals}。',
    "hold_reason_new_payee": '这是新加的收款人，要先核对。',
    "hold_reason_large_amount": '金额比较大，要先核对。',
    "transfer_held_because": '{message}',
    "hold_reason_scam_risk": '刚才的情况像骗局，\n为了您的安全，要先核对。',
    "transfer_expired": '时间过了，这笔已经作废。\n钱没有转出。\n要转，请再说一次。',
    "action_failed": '对不起，出了点问题。\n要找真人，请说“转人工”。',
    "after_fraud_stop": '刚才的事很像骗局。\n为了您的钱安全，\n这次不能在这里办了。\n要办，请找柜员。',
    "transfer_refused": '这笔没有转成。\n{message}',
    "ask_deposit_amount": '存多少钱？\n请说一个数，比如“一万元”。',
    "term_unknown": '没有这个期限的定期。',
    "product_line": '{name}，年利率{percent}%。',
    "products_header": '安心的存款利率：',
    "deposit_done": '存好了。\n{product_name}，{amount}元。\n{capitals}。\n{maturity}到期。{interest}',
    "deposit_refused": '这笔没有存成。\n{message}',
    "cancelled": '好的，已经取消了。\n钱没有动。',
    "slower": '好的，我说慢一点。',
    "nothing_to_repeat": '您想办什么事？',
    "handoff": '好的，马上为您转人工。\n请稍等。',
    "fallback": '对不起，这个我没听明白。\n我能帮您查余额、转账、存定期。',
    "fallback_in_form": '对不起，我没听明白。',
    "fallback_in_form_again": '还是没听明白，对不起。\n要找真人，请说“转人工”。',
    "fallback_offer_human": '还是没听明白，对不起。\n要不要转人工？',
}
