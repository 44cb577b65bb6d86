"""Anxin's custom Rasa actions (served by `rasa run actions --actions actions`).

Every action talks to the banking backend over HTTP with the customer's token taken from the latest
message's metadata; nothing here touches the database, and the token never goes into a slot.
"""
from actions.accounts import ActionAskDepositAmount, ActionAskTransferAmount
from actions.balance import ActionCheckBalance, ActionRecentTransactions
from actions.bills import (
    ActionAskBillAccountId,
    ActionAskBillAmount,
    ActionAskBillConfirmed,
    ActionBillStart,
    ActionBillSubmit,
    ValidateBillForm,
)
from actions.common import never_raises
from actions.conversation import (
    ActionAnxinFallback,
    ActionCancelFlow,
    ActionHandoff,
    ActionRepeat,
    ActionSlower,
)
from actions.fraud import ActionFraudStop
from actions.maturity import ActionSetMaturityChoice, mentions_notices_first
from actions.multi import ActionMultiRequest
from actions.notices import ActionStartNotices
from actions.notices import mentions_notices_first as mentions_all_notices_first
from actions.pension import ActionPensionArrival
from actions.revoke import ActionAskRevokeConfirmed, ActionRevokeStart, ActionRevokeSubmit
from actions.savings import (
    ActionAskDepositConfirmed,
    ActionAskDepositTerm,
    ActionAskMaturityChoice,
    ActionDepositStart,
    ActionDepositSubmit,
    ActionSavingsProducts,
    ValidateDepositForm,
)
from actions.transfer import (
    ActionAskFromAccountId,
    ActionAskPayeeId,
    ActionAskTransferConfirmed,
    ActionTransferStart,
    ActionTransferSubmit,
    ValidateTransferForm,
)
from actions.withdrawal import (
    ActionAskWithdrawalAmount,
    ActionAskWithdrawalConfirmed,
    ActionAskWithdrawalDepositId,
    ActionAskWithdrawalNearConfirmed,
    ActionWithdrawalStart,
    ActionWithdrawalSubmit,
    ValidateWithdrawalForm,
)

__all__ = [
    "ActionAnxinFallback", "ActionAskDepositAmount", "ActionAskTransferAmount", "ActionAskDepositConfirmed", "ActionAskDepositTerm", "ActionAskFromAccountId",
    "ActionAskPayeeId", "ActionAskTransferConfirmed", "ActionCancelFlow", "ActionCheckBalance",
    "ActionDepositStart", "ActionDepositSubmit", "ActionFraudStop", "ActionHandoff", "ActionRecentTransactions", "ActionRepeat",
    "ActionSavingsProducts", "ActionSlower", "ActionTransferStart", "ActionTransferSubmit",
    "ValidateDepositForm", "ValidateTransferForm",
    # issue 11
    "ActionAskMaturityChoice", "ActionSetMaturityChoice", "ActionMultiRequest", "ActionPensionArrival",
    "ActionAskWithdrawalConfirmed", "ActionAskWithdrawalDepositId", "ActionAskWithdrawalNearConfirmed",
    "ActionWithdrawalStart", "ActionWithdrawalSubmit", "ValidateWithdrawalForm", "ActionAskWithdrawalAmount",
    # issue 12
    "ActionAskBillAccountId", "ActionAskBillAmount", "ActionAskBillConfirmed", "ActionBillStart",
    "ActionBillSubmit", "ValidateBillForm", "ActionStartNotices",
    "ActionRevokeStart", "ActionAskRevokeConfirmed", "ActionRevokeSubmit",
]

# A deposit that matured is mentioned once, before the first answer of a conversation (actions/maturity.py).
# ActionMultiRequest runs the others inside: they mention it (once) for it.
for _entry in (ActionCheckBalance, ActionRecentTransactions, ActionSavingsProducts, ActionTransferStart,
               ActionDepositStart, ActionWithdrawalStart, ActionPensionArrival, ActionSetMaturityChoice):
    mentions_notices_first(_entry)

# issue 12: every unread notice (pension credit, matured deposit) is said once before the first answer of a
# conversation (actions/notices.py). Applied last, so it runs first and the older deposit-only one finds the
# notices said.
for _entry in (ActionCheckBalance, ActionRecentTransactions, ActionSavingsProducts, ActionTransferStart,
               ActionDepositStart, ActionBillStart, ActionWithdrawalStart, ActionPensionArrival,
               ActionSetMaturityChoice, ActionRevokeStart):
    mentions_all_notices_first(_entry)

# No action raises: a failure is a plain apology and a log line naming the action (issue 10 item 3).
for _name in __all__:
    never_raises(globals()[_name])
