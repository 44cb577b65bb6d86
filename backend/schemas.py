"""Request and response bodies of the REST API (docs/contracts.md). Amounts are yuan strings with two places."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from annotated_types import GroupedMetadata, MaxLen, MinLen
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StrictStr

from backend.services.amounts import parse_yuan

# Ids are 32-bit on PostgreSQL; bigger numbers could never name a row and must not reach the driver.
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _clean_text(value: str) -> str:
    # Control characters and lone surrogates cannot be stored (PostgreSQL refuses NUL) and have no place in
    # a name or a note; refusing them here keeps them from ever reaching the database.
    if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF or ord(ch) == 0x7F for ch in value):
        raise ValueError("text contains control characters")
    return value.strip()


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _amount(value: str) -> str:
    parse_yuan(value)
    return value


@dataclass(frozen=True)
class Text(GroupedMetadata):
    """`Annotated[str, Text(100)]`: a string (strictly) of at most that many characters, control characters
    refused, surrounding spaces stripped."""

    max_length: int

    def __iter__(self) -> Iterator[object]:
        yield Strict()
        yield MaxLen(self.max_length)
        yield AfterValidator(_clean_text)


def _context_text(value: str) -> str:
    # What the customer said in the money flow, possibly several lines: line breaks and tabs become spaces,
    # any other control character is refused like in every other text.
    return _clean_text(value.replace("\r", " ").replace("\n", " ").replace("\t", " "))


@dataclass(frozen=True)
class Name(GroupedMetadata):
    """`Annotated[str, Name(50)]`: a Text that must not be empty, before or after the stripping."""

    max_length: int

    def __iter__(self) -> Iterator[object]:
        yield Strict()
        yield MinLen(1)
        yield MaxLen(self.max_length)
        yield AfterValidator(_clean_text)
        yield AfterValidator(_non_empty)


Amount = Annotated[
    StrictStr,
    Field(pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$", examples=["500.00"],
          description="元，字符串，最多两位小数，大于零"),
    AfterValidator(_amount),
]


class CustomerBrief(BaseModel):
    id: int
    name: str


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    phone: Annotated[StrictStr, Field(pattern=r"^1[0-9]{10}$", examples=["13800000001"])]
    pin: Annotated[StrictStr, Field(pattern=r"^[0-9]{6}$", examples=["135790"])]


class LoginOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    customer: CustomerBrief
    # Wrong PINs entered for this customer since their previous successful sign-in (someone may have tried
    # their PIN), and the sentence that tells them; channels say it right after the greeting. 0 / null: none.
    failed_attempts_since_last_login: int = 0
    notice: str | None = None


class MeOut(BaseModel):
    id: int
    name: str
    phone_masked: str
    # Until then every transfer of the customer is held for staff (SCAM_RISK); null when no cooling-off runs.
    cooling_off_until: datetime | None = None


class AccountOut(BaseModel):
    id: int
    kind: Literal["demand", "pension", "time"]
    name: str
    number_masked: str
    tail: str
    balance: str
    currency: str


class TransactionOut(BaseModel):
    id: int
    created_at: datetime
    amount: str
    balance_after: str
    description: str
    counterparty: str


class TransactionsPage(BaseModel):
    items: list[TransactionOut]
    total: int


class PayeeIn(BaseModel):
    name: Annotated[str, Name(50)]
    relationship: Annotated[str, Name(20)]
    bank: Annotated[str, Name(50)]
    account_number: Annotated[StrictStr, Field(pattern=r"^[0-9]{12,19}$", examples=["6217001234567890123"])]


class PayeeOut(BaseModel):
    id: int
    name: str
    relationship: str
    bank: str
    account_masked: str
    created_at: datetime
    is_new: bool


ArrivalMode = Literal["realtime", "normal", "next_day"]


class TransferIn(BaseModel):
    from_account_id: Id
    payee_id: Id
    amount: Amount
    note: Annotated[str, Text(100)] = ""
    # True: the transfer waits as `pending` until POST /transfers/{id}/confirm (read-back before money moves).
    require_confirmation: bool = False
    # What the customer said in this money flow, digits redacted: screened with the shared fraud policy.
    context: Annotated[StrictStr, Field(max_length=2000), AfterValidator(_context_text)] = ""
    # 到账方式 (issue 12): null = the default (next_day to a payee saved less than 30 days ago, else realtime).
    # A slower mode may be chosen; a faster one than a new payee's default is 422 ARRIVAL_MODE_NOT_ALLOWED.
    arrival_mode: ArrivalMode | None = None


HoldReason = Literal["SCAM_RISK", "NEW_PAYEE", "LARGE_AMOUNT", "CUMULATIVE_AMOUNT"]


class TransferOut(BaseModel):
    id: int
    # scheduled: left the customer's account, arrives at `arrives_at`, revocable until then; revoked: taken back.
    status: Literal["pending", "held", "scheduled", "completed", "cancelled", "rejected", "expired", "revoked"]
    amount: str
    from_account_id: int
    payee: PayeeOut
    # For `held`: why staff look first. For `pending`: what confirming would do as of now (decided again then).
    hold_reason: HoldReason | None
    note: str
    created_at: datetime
    executed_at: datetime | None
    # A pending transfer must be confirmed, a held one approved, before this; then it is `expired`.
    expires_at: datetime | None = None
    # For `rejected` after a staff approval could not execute: the refusal's code (e.g. INSUFFICIENT_FUNDS).
    failure_reason: str | None = None
    # The state in one plain sentence for the customer (e.g. why it is held, that it expired).
    message: str = ""
    arrival_mode: ArrivalMode = "realtime"
    # scheduled: when it settles to the payee; pending (no hold): the estimate if confirmed now; else null.
    arrives_at: datetime | None = None


class ProductOut(BaseModel):
    id: int
    code: str
    name: str
    term_months: int
    annual_rate_percent: str


class DepositIn(BaseModel):
    product_id: Id
    from_account_id: Id
    amount: Amount
    # True: a `pending` deposit (nothing moves) that POST /deposits/{id}/confirm opens; the read-back's figures.
    require_confirmation: bool = False
    # At maturity: renew (自动转存, principal and interest) or demand (back to the paying account).
    maturity_choice: Literal["renew", "demand"] = "renew"


class DepositOut(BaseModel):
    id: int
    product: ProductOut
    principal: str
    annual_rate_percent: str
    opened_on: date
    maturity_date: date
    expected_interest: str
    status: Literal["pending", "active", "withdrawn_early", "matured", "cancelled", "expired"]
    account_id: int | None  # the time account; null while pending (nothing has moved)
    source_account_id: int
    closed_on: date | None
    interest_paid: str | None
    maturity_choice: Literal["renew", "demand"] = "renew"
    expires_at: datetime | None = None  # a pending deposit must be confirmed before this
    message: str = ""
    # A partial early withdrawal (issue 11) taken from it: how much, the demand interest paid on it, the day.
    partial_withdrawn: str | None = None
    partial_interest_paid: str | None = None
    partial_withdrawn_on: date | None = None


class EarlyWithdrawalPreview(BaseModel):
    principal: str
    interest: str
    annual_rate_percent: str
    total: str
    days_held: int
    expected_interest_if_held: str


class EarlyWithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # True: a `pending` withdrawal record (nothing moves) that POST /withdrawals/{id}/confirm executes.
    require_confirmation: bool = False
    # 部分提前支取 (issue 11): only this much comes out; the rest keeps its rate and maturity. None: all of it.
    amount: Amount | None = None


class WithdrawalOut(BaseModel):
    """A pending (or ended) early withdrawal: the read-back's figures, exactly what confirming pays."""

    id: int
    deposit_id: int
    status: Literal["pending", "completed", "cancelled", "expired"]
    principal: str
    interest: str  # at the demand rate for the days held
    annual_rate_percent: str
    total: str
    lost_interest: str  # term interest given up
    days_held: int
    maturity_date: date
    to_account_id: int  # where the money goes
    created_at: datetime
    expires_at: datetime
    executed_at: datetime | None
    message: str = ""
    # Partial early withdrawal (issue 11): `amount` is what is taken out (= principal); the remainder's figures
    # are null for a whole withdrawal.
    partial: bool = False
    amount: str = ""
    remaining_principal: str | None = None
    remaining_maturity_date: date | None = None
    remaining_expected_interest: str | None = None


class StaffLoginIn(BaseModel):
    username: Annotated[str, Name(50)]
    password: Annotated[StrictStr, Field(min_length=1, max_length=200)]


class StaffBrief(BaseModel):
    id: int
    name: str


class StaffLoginOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    staff: StaffBrief


class FamilyContactBrief(BaseModel):
    name: str
    relationship: str
    phone: str


class ApprovalOut(BaseModel):
    id: int
    kind: Literal["transfer"]
    # failed: approved, but a rule refused the execution (the transfer is rejected, see its failure_reason)
    status: Literal["pending", "approved", "rejected", "cancelled", "expired", "failed"]
    reason: str
    customer_name: str
    transfer: TransferOut
    note: str
    created_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    # The customer's family contact (issue 12), the number staff call to confirm a held transfer; null: none.
    family_contact: FamilyContactBrief | None = None


class DecisionIn(BaseModel):
    note: Annotated[str, Text(200)] = ""


class FraudStopIn(BaseModel):
    family: Annotated[StrictStr, Field(min_length=1, max_length=40, examples=["authority"])]
    channel: Literal["web", "phone", "kiosk"]
    # What the customer said, digits already redacted by the dialogue (the backend redacts again).
    text: Annotated[StrictStr, Field(max_length=2000), AfterValidator(_context_text)] = ""
    transfer_id: Id | None = None


class FraudStopOut(BaseModel):
    cooling_off_until: datetime
    cancelled_transfer_ids: list[int]
    cancelled_deposit_ids: list[int]
    cancelled_bill_payment_ids: list[int] = []
    cancelled_withdrawal_ids: list[int] = []  # pending early withdrawals
    revoked_transfer_ids: list[int] = []  # scheduled (not yet arrived) transfers taken back to the customer
    # Transfers already with staff: they stay held, now marked SCAM_RISK for their reviewer.
    held_transfer_ids: list[int]


class ErrorOut(BaseModel):
    code: str
    message: str


class HealthOut(BaseModel):
    status: Literal["ok"]
