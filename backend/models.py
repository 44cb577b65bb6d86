"""Database tables. Money columns are integer fen (BigInteger); times are stored as UTC."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC and hands back aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _money(nullable: bool = False) -> Column[int]:
    return Column(BigInteger, nullable=nullable)


def _time(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50)
    phone: str = Field(max_length=20, unique=True, index=True)
    pin_hash: str = Field(max_length=255)
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # Set by a fraud stop or a scam hit: until then every outgoing transfer is held for staff (SCAM_RISK).
    cooling_off_until: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # Wrong PINs since the last successful sign-in (told to the customer then), and the end of the cool-down
    # that follows repeated wrong PINs (migration 0005, services/auth.py).
    failed_since_login: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0, server_default="0"))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Account(SQLModel, table=True):
    """A customer's account (demand/pension/time) or one of the bank's internal accounts (customer_id NULL)."""

    __tablename__ = "accounts"
    # The last line of defence against an overdraft; the services check first and give a plain answer.
    __table_args__ = (CheckConstraint("kind = 'internal' OR balance_fen >= 0", name="ck_accounts_no_overdraft"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(default=None, foreign_key="customers.id", index=True)
    kind: str = Field(max_length=16)  # demand | pension | time | internal
    name: str = Field(max_length=50)
    number: str = Field(max_length=32, unique=True)
    # Cached sum of this account's ledger entries, kept in the same transaction as every entry.
    balance_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    currency: str = Field(default="CNY", max_length=3)
    closed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Payee(SQLModel, table=True):
    __tablename__ = "payees"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    name: str = Field(max_length=50)
    relationship: str = Field(max_length=20)
    bank: str = Field(max_length=50)
    account_number: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Journal(SQLModel, table=True):
    """One money movement; its ledger entries sum to zero."""

    __tablename__ = "journals"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # transfer | deposit_open | deposit_early_withdrawal | seed
    reference: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account_id_id", "account_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    journal_id: int = Field(foreign_key="journals.id", index=True)
    account_id: int = Field(foreign_key="accounts.id")
    amount_fen: int = Field(sa_column=_money())  # positive credits the account, negative debits it
    balance_after_fen: int = Field(sa_column=_money())
    description: str = Field(max_length=100)
    counterparty: str = Field(default="", max_length=50)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Transfer(SQLModel, table=True):
    __tablename__ = "transfers"
    __table_args__ = (
        Index("ix_transfers_customer_created", "customer_id", "created_at"),
        # The daily limit sums what executed on the business day.
        Index("ix_transfers_customer_executed", "customer_id", "executed_at"),
        # The settlement job looks for scheduled transfers that are due.
        Index("ix_transfers_status_arrives", "status", "arrives_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    from_account_id: int = Field(foreign_key="accounts.id")
    payee_id: int = Field(foreign_key="payees.id")
    amount_fen: int = Field(sa_column=_money())
    note: str = Field(default="", max_length=100)
    # pending | held | scheduled | completed | cancelled | rejected | expired | revoked
    status: str = Field(max_length=16)
    # SCAM_RISK | NEW_PAYEE | LARGE_AMOUNT | CUMULATIVE_AMOUNT
    hold_reason: str | None = Field(default=None, max_length=32)
    journal_id: int | None = Field(default=None, foreign_key="journals.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    executed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # A pending transfer lapses after minutes, a held one after hours (nothing was reserved meanwhile).
    expires_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # Why a rejected transfer did not execute when staff approved it (an error code, e.g. INSUFFICIENT_FUNDS).
    failure_reason: str | None = Field(default=None, max_length=32)
    # Delayed arrival (issue 12, migration 0009): realtime | normal (2 h) | next_day (24 h). A `scheduled` transfer
    # has left the customer's account for the in-transit account and settles to the payee at `arrives_at`
    # (until then it can be revoked); for a pending one `arrives_at` is the estimate the read-back says.
    arrival_mode: str = Field(default="realtime", max_length=12)
    arrives_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class SavingsProduct(SQLModel, table=True):
    __tablename__ = "savings_products"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=50)
    term_months: int
    rate_bp: int  # annual rate in basis points: 110 = 1.10 %


class TimeDeposit(SQLModel, table=True):
    __tablename__ = "time_deposits"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    product_id: int = Field(foreign_key="savings_products.id")
    # The time account holding the principal; None while the deposit is pending (nothing has moved yet).
    account_id: int | None = Field(default=None, foreign_key="accounts.id")
    source_account_id: int = Field(foreign_key="accounts.id")  # where the money came from and goes back
    principal_fen: int = Field(sa_column=_money())
    rate_bp: int
    opened_on: date
    maturity_date: date
    expected_interest_fen: int = Field(sa_column=_money())
    status: str = Field(max_length=20)  # pending | active | withdrawn_early | cancelled | expired (+ maturity's)
    closed_on: date | None = None
    interest_paid_fen: int | None = Field(default=None, sa_column=_money(nullable=True))
    # What happens at maturity, chosen when opening: renew (自动转存) or demand (back to the source account).
    maturity_choice: str = Field(
        default="renew", sa_column=Column(String(8), nullable=False, default="renew", server_default="renew")
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    expires_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))  # while pending
    ended_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))  # cancelled or expired
    renewed_from_id: int | None = None  # the matured deposit this renewal (自动转存) continues (migration 0005)
    # 部分提前支取 (migration 0008): once per deposit; principal_fen and expected_interest_fen are then the remainder's.
    partial_withdrawn_fen: int | None = Field(default=None, sa_column=_money(nullable=True))
    partial_interest_fen: int | None = Field(default=None, sa_column=_money(nullable=True))  # demand rate, paid
    partial_withdrawn_on: date | None = None


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_users"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=50)
    password_hash: str = Field(max_length=255)
    # The customers' lock-out rules apply to staff too (migration 0005, services/auth.py).
    failed_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0, server_default="0"))
    locked_until: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class Approval(SQLModel, table=True):
    __tablename__ = "approvals"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="transfer", max_length=16)
    transfer_id: int = Field(foreign_key="transfers.id", unique=True)
    customer_id: int = Field(foreign_key="customers.id")
    # pending | approved | rejected | cancelled | expired | failed (approved, but the execution was refused)
    status: str = Field(default="pending", max_length=16, index=True)
    reason: str = Field(max_length=32)
    note: str = Field(default="", max_length=200)
    decided_by: int | None = Field(default=None, foreign_key="staff_users.id")
    decided_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_time())
    actor_kind: str = Field(max_length=16)  # customer | staff | system
    actor_id: int | None = None
    action: str = Field(max_length=40)
    target_kind: str = Field(default="", max_length=20)
    target_id: int | None = None
    # JSON text; never holds a PIN, a token or a full account number.
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("customer_id", "key", name="uq_idempotency_customer_key"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    key: str = Field(sa_column=Column(String(100), nullable=False))
    request_hash: str = Field(max_length=64)
    status_code: int = Field(sa_column=Column(Integer, nullable=False))
    response_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class DepositMaturity(SQLModel, table=True):
    """One handled maturity; unique per (deposit, maturity date), written with its journal (migration 0005)."""

    __tablename__ = "deposit_maturities"
    __table_args__ = (UniqueConstraint("deposit_id", "maturity_date", name="uq_deposit_maturities_deposit_date"),)
    id: int | None = Field(default=None, primary_key=True)
    deposit_id: int = Field(foreign_key="time_deposits.id")
    maturity_date: date
    outcome: str = Field(max_length=8)  # renew | demand
    interest_fen: int = Field(sa_column=_money())
    journal_id: int = Field(foreign_key="journals.id")
    new_deposit_id: int | None = Field(default=None, foreign_key="time_deposits.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class JobLease(SQLModel, table=True):
    """Which backend instance runs a periodic job until when (migration 0005, backend/scheduler.py)."""

    __tablename__ = "job_leases"
    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=64)
    expires_at: datetime = Field(sa_column=_time())


# Everyday services (issue 12, migration 0006): bill payment, pension payroll, notices, family contact, outbox.


class Biller(SQLModel, table=True):
    """A biller the bank collects for (水费, 电费, 燃气费, 话费), with its own internal settlement account."""

    __tablename__ = "billers"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)  # WATER | POWER | GAS | MOBILE
    name: str = Field(max_length=20)
    kind: str = Field(max_length=8)  # bill (amount due set by the biller) | topup (amount chosen by the customer)
    settlement_account_id: int = Field(foreign_key="accounts.id")


class BillAccount(SQLModel, table=True):
    """A biller account number (户号, or the phone number for 话费) a customer saved under a label."""

    __tablename__ = "bill_accounts"
    __table_args__ = (UniqueConstraint("customer_id", "biller_id", "account_no", name="uq_bill_accounts_customer"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    biller_id: int = Field(foreign_key="billers.id")
    account_no: str = Field(max_length=20)
    label: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Bill(SQLModel, table=True):
    """A biller's bill as the bank saw it; unique per (biller, account number, period), so paid once only."""

    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("biller_id", "account_no", "period", name="uq_bills_biller_account_period"),)
    id: int | None = Field(default=None, primary_key=True)
    biller_id: int = Field(foreign_key="billers.id")
    account_no: str = Field(max_length=20)
    period: str = Field(max_length=7)  # 2026-11
    amount_fen: int = Field(sa_column=_money())
    due_date: date
    reference: str = Field(max_length=64)  # the biller's own bill number
    status: str = Field(default="unpaid", max_length=8)  # unpaid | paid
    payment_id: int | None = None  # the bill payment that paid it
    paid_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class BillPayment(SQLModel, table=True):
    __tablename__ = "bill_payments"
    __table_args__ = (Index("ix_bill_payments_customer_created", "customer_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    bill_account_id: int = Field(foreign_key="bill_accounts.id")
    biller_id: int = Field(foreign_key="billers.id")
    bill_id: int | None = Field(default=None, foreign_key="bills.id")  # None for a top-up (话费)
    from_account_id: int = Field(foreign_key="accounts.id")
    amount_fen: int = Field(sa_column=_money())
    status: str = Field(max_length=12)  # pending | completed | cancelled | expired
    # Far above the household's usual bill: said aloud before the read-back (usual_amount_fen: that usual bill).
    unusual: bool = False
    usual_amount_fen: int | None = Field(default=None, sa_column=_money(nullable=True))
    journal_id: int | None = Field(default=None, foreign_key="journals.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    expires_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    executed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class PensionEnrollment(SQLModel, table=True):
    """A pension account on the social-security payer's monthly payroll (代发), with its monthly amount."""

    __tablename__ = "pension_enrollments"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", unique=True)
    monthly_amount_fen: int = Field(sa_column=_money())
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class PayrollBatch(SQLModel, table=True):
    """One payroll file (代发批次); its batch id is the idempotency key of the whole batch."""

    __tablename__ = "payroll_batches"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(max_length=64, unique=True)
    payer: str = Field(max_length=32)  # the payer's internal account number
    content_hash: str = Field(max_length=64)  # the same batch id with other contents is refused
    credits: int
    total_fen: int = Field(sa_column=_money())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class PayrollCredit(SQLModel, table=True):
    __tablename__ = "payroll_credits"
    __table_args__ = (
        UniqueConstraint("batch_id", "account_id", name="uq_payroll_credits_batch_account"),
        Index("ix_payroll_credits_customer_credited", "customer_id", "credited_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="payroll_batches.id")
    account_id: int = Field(foreign_key="accounts.id")
    customer_id: int = Field(foreign_key="customers.id")
    amount_fen: int = Field(sa_column=_money())
    journal_id: int = Field(foreign_key="journals.id")
    credited_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class NoticeSeen(SQLModel, table=True):
    """A one-time notice (pension arrived, deposit matured) the customer has heard: it is not said again."""

    __tablename__ = "notices_seen"
    __table_args__ = (UniqueConstraint("customer_id", "notice_key", name="uq_notices_seen_customer_key"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    notice_key: str = Field(max_length=40)  # pension:<credit id> | deposit:<maturity id>
    seen_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class FamilyContact(SQLModel, table=True):
    """The customer's one family contact (亲情联系人), set by staff: called to confirm a held transfer, never
    able to move money."""

    __tablename__ = "family_contacts"
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", unique=True)
    name: str = Field(max_length=50)
    relationship: str = Field(max_length=20)
    phone: str = Field(max_length=20)
    set_by: int = Field(foreign_key="staff_users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class OutboxMessage(SQLModel, table=True):
    """A notification for a real SMS gateway to send (it reads unsent rows); one per (kind, reference, phone)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (UniqueConstraint("kind", "reference", "to_phone", name="uq_outbox_kind_reference_phone"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(default="sms", max_length=8)
    kind: str = Field(max_length=24)  # pension_credit | transfer_held_family
    reference: str = Field(max_length=40)  # payroll_credit:<id> | transfer:<id>
    customer_id: int = Field(foreign_key="customers.id")
    to_phone: str = Field(max_length=20)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    sent_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class EarlyWithdrawal(SQLModel, table=True):
    """A pending early withdrawal (提前支取) of a time deposit: the read-back's exact figures, quoted on
    `quote_date` (China); confirming pays exactly these or nothing (issue 10: the read-back is what moves)."""

    __tablename__ = "early_withdrawals"
    __table_args__ = (Index("ix_early_withdrawals_customer_created", "customer_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    deposit_id: int = Field(foreign_key="time_deposits.id")
    to_account_id: int = Field(foreign_key="accounts.id")  # where the money goes: the deposit's source account
    principal_fen: int = Field(sa_column=_money())
    interest_fen: int = Field(sa_column=_money())  # at the demand rate for the days held
    lost_interest_fen: int = Field(sa_column=_money())  # term interest given up
    rate_bp: int  # the demand rate of the quote
    days_held: int
    maturity_date: date
    quote_date: date  # the figures hold for this day only
    status: str = Field(max_length=12)  # pending | completed | cancelled | expired
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    expires_at: datetime = Field(sa_column=_time())
    executed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # A partial withdrawal (migration 0008): principal_fen is the part taken; the remainder as quoted.
    partial: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False,
                                                          server_default=false()))
    remaining_principal_fen: int | None = Field(default=None, sa_column=_money(nullable=True))
    remaining_expected_interest_fen: int | None = Field(default=None, sa_column=_money(nullable=True))


class ConversationEvent(SQLModel, table=True):
    """One Rasa conversation event from the event stream (RabbitMQ -> backend.events), for the operations page.

    Only what the page counts is kept: never metadata (it carries the customer's token), the conversation as a
    hash of Rasa's sender id, and text with digit runs and secrets masked (rules.redact). `event_id` is derived
    (backend/events/consumer.py: Rasa events carry no id) and unique, so a redelivered event is stored once."""

    __tablename__ = "conversation_events"
    __table_args__ = (UniqueConstraint("event_id", name="uq_conversation_events_event_id"),
                      Index("ix_conversation_events_occurred", "occurred_at"),
                      Index("ix_conversation_events_conversation", "conversation", "occurred_at"))
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64)
    conversation: str = Field(max_length=32)  # sha256(sender_id), first 32 hex digits
    channel: str | None = Field(default=None, max_length=16)  # web | kiosk | phone, on user events
    type: str = Field(max_length=32)  # Rasa's event type: user, bot, action, slot, ...
    name: str | None = Field(default=None, max_length=80)  # intent (user), action (action), slot name (slot)
    value: str | None = Field(default=None, max_length=80)  # a slot's value, masked
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # masked
    occurred_at: datetime = Field(sa_column=_time())
    received_at: datetime = Field(default_factory=utcnow, sa_column=_time())
