"""Time deposits: opened from the caller's demand (or pension) account into a time account of their own,
through the ledger; an early withdrawal pays the demand rate for the days held and closes the time account. A
partial one (部分提前支取, once per deposit) pays the part taken the same way and the rest stays the deposit.

With `require_confirmation` the deposit is first `pending`: nothing moves and no time account exists yet, but
its figures (expected interest, maturity date) are the backend's, so the read-back is rendered from them.
Confirming re-checks everything (product, minimum, funds) and opens it as of that day; a pending deposit
lapses after `pending_ttl_minutes` (`expired`), or the customer cancels it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from backend.core.config import Settings
from backend.errors import AppError, ErrorCode, not_found
from backend.models import Account, SavingsProduct, TimeDeposit
from backend.services import audit, clock, interest, ledger
from backend.services.amounts import fen_to_yuan
from backend.services.customers import SPENDABLE_KINDS, lock_customer, own_account, own_row
from backend.services.pending import end, take_pending

DEMAND_CODE = "DEMAND"


@dataclass(frozen=True)
class EarlyWithdrawalQuote:
    """What an early withdrawal pays today. `principal_fen` is what is taken out (the whole principal, or the part
    of a partial withdrawal), `interest_fen` the demand interest on it and `term_interest_fen` what that money
    would have earned at maturity; a partial one also carries the remainder's principal and expected interest."""

    principal_fen: int
    interest_fen: int
    rate_bp: int
    days_held: int
    term_interest_fen: int
    remaining_principal_fen: int | None = None
    remaining_expected_interest_fen: int | None = None

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen

    @property
    def partial(self) -> bool:
        return self.remaining_principal_fen is not None

    @property
    def lost_interest_fen(self) -> int:
        return interest.lost_interest_fen(self.term_interest_fen, self.interest_fen)


def demand_rate_bp(session: Session) -> int:
    rate = session.exec(select(SavingsProduct.rate_bp).where(SavingsProduct.code == DEMAND_CODE)).first()
    if rate is None:
        raise RuntimeError("savings product DEMAND missing: run the migrations")
    return rate


RENEW, DEMAND_CHOICE = "renew", "demand"


def _checked(
    session: Session, settings: Settings, customer_id: int, product_id: int, from_account_id: int, amount_fen: int
) -> tuple[SavingsProduct, Account]:
    """Every rule of opening a deposit; the product and the (locked) paying account."""
    product = session.get(SavingsProduct, product_id)
    if product is None:
        raise not_found("存款产品")
    if product.term_months <= 0:
        raise ErrorCode.INVALID_PRODUCT.error()
    source = own_account(session, customer_id, from_account_id, lock=True)
    if source.kind not in SPENDABLE_KINDS:
        raise ErrorCode.ACCOUNT_NOT_ALLOWED.error("请从活期或养老金账户存定期。")
    if amount_fen < settings.min_deposit_fen:
        raise ErrorCode.BELOW_MINIMUM.error(f"定期最少存 {fen_to_yuan(settings.min_deposit_fen)} 元。")
    if source.balance_fen < amount_fen:
        raise ErrorCode.INSUFFICIENT_FUNDS.error("账户余额不够，定期没有开。")
    return product, source


def _figures(deposit: TimeDeposit, product: SavingsProduct) -> None:
    """Opening day, maturity date and expected interest as of today (China time)."""
    deposit.opened_on = clock.today_cn()
    deposit.maturity_date = clock.add_months(deposit.opened_on, product.term_months)
    deposit.expected_interest_fen = interest.expected_interest_fen(
        deposit.principal_fen, deposit.rate_bp, product.term_months
    )


def open_deposit(
    session: Session, settings: Settings, customer_id: int, product_id: int, from_account_id: int, amount_fen: int,
    require_confirmation: bool = False, maturity_choice: str = RENEW,
) -> TimeDeposit:
    lock_customer(session, customer_id)
    product, source = _checked(session, settings, customer_id, product_id, from_account_id, amount_fen)
    deposit = TimeDeposit(
        customer_id=customer_id,
        product_id=product.id,  # type: ignore[arg-type]
        source_account_id=source.id,  # type: ignore[arg-type]
        principal_fen=amount_fen,
        rate_bp=product.rate_bp,  # the rate the customer hears at the read-back is the one they get
        opened_on=clock.today_cn(),
        maturity_date=clock.today_cn(),
        expected_interest_fen=0,
        status="pending",
        maturity_choice=maturity_choice,
    )
    _figures(deposit, product)
    if require_confirmation:
        deposit.expires_at = clock.now() + timedelta(minutes=settings.pending_ttl_minutes)
        session.add(deposit)
        session.flush()
        audit.record(session, "customer", customer_id, "deposit.pending", "deposit", deposit.id,
                     amount=fen_to_yuan(amount_fen), product=product.code, from_account_id=source.id,
                     maturity_choice=maturity_choice)
        return deposit
    _open(session, deposit, product, source)
    return deposit


def _open(session: Session, deposit: TimeDeposit, product: SavingsProduct, source: Account) -> None:
    """Moves the principal into a new time account of the customer's: the deposit becomes active."""
    amount_fen = deposit.principal_fen
    time_account = Account(
        customer_id=deposit.customer_id, kind="time", name=f"{product.name}存单", number=ledger.new_account_number()
    )
    session.add(time_account)
    session.flush()
    deposit.account_id = time_account.id
    deposit.status = "active"
    deposit.expires_at = None
    session.add(deposit)
    session.flush()
    ledger.post(session, "deposit_open", f"deposit:{deposit.id}", [
        ledger.Leg(source.id, -amount_fen, f"存入{product.name}", time_account.name),  # type: ignore[arg-type]
        ledger.Leg(time_account.id, amount_fen, f"{product.name}存入", source.name),  # type: ignore[arg-type]
    ])
    audit.record(session, "customer", deposit.customer_id, "deposit.opened", "deposit", deposit.id,
                 amount=fen_to_yuan(amount_fen), product=product.code, from_account_id=source.id,
                 maturity_choice=deposit.maturity_choice)
    session.flush()


def is_expired(row: TimeDeposit, now: datetime | None = None) -> bool:
    return row.status == "pending" and row.expires_at is not None and row.expires_at <= (now or clock.now())


def effective_status(row: TimeDeposit) -> str:
    return "expired" if is_expired(row) else row.status


def _pending(session: Session, customer_id: int, deposit_id: int, not_pending: str) -> TimeDeposit:
    return take_pending(session, customer_id, lambda: own_deposit(session, customer_id, deposit_id, lock=True),
                        is_expired, lambda row: end(session, row, "expired", "deposit"), not_pending)


def confirm_deposit(session: Session, settings: Settings, customer_id: int, deposit_id: int) -> TimeDeposit:
    """Opens a pending deposit after checking everything again (as of today: a new opening day moves the
    maturity date). Past its time it comes back `expired` (the route commits that and answers 409 EXPIRED)."""
    deposit = _pending(session, customer_id, deposit_id, "只有等待确认的定期才能确认。")
    if deposit.status == "expired":
        return deposit
    product, source = _checked(session, settings, customer_id, deposit.product_id, deposit.source_account_id,
                               deposit.principal_fen)
    _figures(deposit, product)
    _open(session, deposit, product, source)
    return deposit


def cancel_deposit(session: Session, customer_id: int, deposit_id: int) -> TimeDeposit:
    deposit = _pending(session, customer_id, deposit_id, "只有等待确认的定期才能取消；已经存入的定期可以提前支取。")
    if deposit.status != "expired":  # expired: nothing moves either way, the answer says so
        end(session, deposit, "cancelled", "deposit")
    return deposit


def own_deposit(session: Session, customer_id: int, deposit_id: int, lock: bool = False) -> TimeDeposit:
    return own_row(session, TimeDeposit, customer_id, deposit_id, "存单", lock)


def not_active(deposit: TimeDeposit) -> AppError:
    if deposit.status == "pending":
        return ErrorCode.INVALID_STATE.error("这笔定期还没有存入，不能支取。")
    return ErrorCode.INVALID_STATE.error("这张存单已经取出了。")


def check_partial(deposit: TimeDeposit, amount_fen: int, min_remainder_fen: int) -> None:
    """The rules of a partial early withdrawal (部分提前支取) as Chinese banks apply them: less than the whole
    deposit (all of it is an ordinary early withdrawal), once per deposit, and what stays at least the minimum."""
    principal = deposit.principal_fen
    if amount_fen >= principal:
        raise ErrorCode.AMOUNT_NOT_LESS_THAN_PRINCIPAL.error(
            f"这张存单一共 {fen_to_yuan(principal)} 元，这已经是整张存单的钱了，请选择全部提前支取。")
    if deposit.partial_withdrawn_fen is not None:
        raise ErrorCode.PARTIAL_ALREADY_USED.error()
    if principal - amount_fen < min_remainder_fen:
        raise ErrorCode.REMAINDER_TOO_SMALL.error(
            f"取了之后存单只剩 {fen_to_yuan(principal - amount_fen)} 元，低于起存金额 {fen_to_yuan(min_remainder_fen)} 元。"
            f"最多可以取 {fen_to_yuan(max(principal - min_remainder_fen, 0))} 元，或者全部取出。")


def quote_early_withdrawal(
    session: Session, deposit: TimeDeposit, amount_fen: int | None = None, settings: Settings | None = None
) -> EarlyWithdrawalQuote:
    """Today's figures of taking out all of an active deposit, or `amount_fen` of it (partial: `settings` gives
    the minimum that must stay). The part taken earns the demand rate for the days held; the remainder keeps its
    opening day, rate and maturity date, and its expected interest is that of the remaining principal."""
    rate = demand_rate_bp(session)
    days = max((clock.today_cn() - deposit.opened_on).days, 0)
    if amount_fen is None:
        return EarlyWithdrawalQuote(
            principal_fen=deposit.principal_fen,
            interest_fen=interest.early_withdrawal_interest_fen(deposit.principal_fen, rate, days),
            rate_bp=rate, days_held=days, term_interest_fen=deposit.expected_interest_fen,
        )
    if settings is None:
        raise TypeError("a partial early withdrawal needs the settings (the minimum that must stay)")
    check_partial(deposit, amount_fen, settings.min_deposit_fen)
    product = session.get(SavingsProduct, deposit.product_id)
    assert product is not None
    remaining = deposit.principal_fen - amount_fen
    remaining_interest = interest.expected_interest_fen(remaining, deposit.rate_bp, product.term_months)
    return EarlyWithdrawalQuote(
        principal_fen=amount_fen,
        interest_fen=interest.early_withdrawal_interest_fen(amount_fen, rate, days),
        rate_bp=rate, days_held=days,
        term_interest_fen=max(deposit.expected_interest_fen - remaining_interest, 0),
        remaining_principal_fen=remaining, remaining_expected_interest_fen=remaining_interest,
    )


def withdraw_early(
    session: Session, customer_id: int, deposit_id: int, amount_fen: int | None = None,
    settings: Settings | None = None,
) -> TimeDeposit:
    """Pays out all of the deposit (it closes), or `amount_fen` of it (it stays active with the remainder), plus
    the demand interest on what is taken, from the time account to the account the deposit came from: one
    journal, so the books balance to the fen at every commit."""
    lock_customer(session, customer_id)
    deposit = own_deposit(session, customer_id, deposit_id, lock=True)
    if deposit.status != "active":
        raise not_active(deposit)
    quote = quote_early_withdrawal(session, deposit, amount_fen, settings)
    time_account = session.get(Account, deposit.account_id)
    source = session.get(Account, deposit.source_account_id)
    assert time_account is not None and source is not None
    what = "部分提前支取" if quote.partial else "提前支取"
    legs = [
        ledger.Leg(time_account.id, -quote.principal_fen, f"{what}本金", source.name),  # type: ignore[arg-type]
        ledger.Leg(source.id, quote.principal_fen, f"定期{what}本金", time_account.name),  # type: ignore[arg-type]
    ]
    if quote.interest_fen:
        interest_account = ledger.internal_account_id(session, ledger.INTEREST)
        legs += [
            ledger.Leg(interest_account, -quote.interest_fen, f"利息 存单#{deposit.id}", internal=True),
            ledger.Leg(source.id, quote.interest_fen, f"定期{what}利息（按活期）", time_account.name),  # type: ignore[arg-type]
        ]
    suffix = "partial" if quote.partial else "early"
    ledger.post(session, f"deposit_{suffix}_withdrawal", f"deposit:{deposit.id}:{suffix}", legs)
    if quote.partial:
        assert quote.remaining_principal_fen is not None and quote.remaining_expected_interest_fen is not None
        # The rest stays this deposit: same opening day, rate and maturity date; maturity pays its own interest.
        deposit.principal_fen = quote.remaining_principal_fen
        deposit.expected_interest_fen = quote.remaining_expected_interest_fen
        deposit.partial_withdrawn_fen = quote.principal_fen
        deposit.partial_interest_fen = quote.interest_fen
        deposit.partial_withdrawn_on = clock.today_cn()
        session.add(deposit)
        audit.record(session, "customer", customer_id, "deposit.partial_withdrawn", "deposit", deposit.id,
                     amount=fen_to_yuan(quote.principal_fen), interest=fen_to_yuan(quote.interest_fen),
                     days_held=quote.days_held, remaining=fen_to_yuan(quote.remaining_principal_fen))
        session.flush()
        return deposit
    deposit.status = "withdrawn_early"
    deposit.closed_on = clock.today_cn()
    deposit.interest_paid_fen = quote.interest_fen
    time_account.closed_at = clock.now()
    session.add(deposit)
    session.add(time_account)
    audit.record(session, "customer", customer_id, "deposit.withdrawn_early", "deposit", deposit.id,
                 principal=fen_to_yuan(quote.principal_fen), interest=fen_to_yuan(quote.interest_fen),
                 days_held=quote.days_held)
    session.flush()
    return deposit


def days_to_maturity(deposit: TimeDeposit) -> int:
    """Whole days from today (China) to the maturity date; 0 on or after it."""
    return max((deposit.maturity_date - clock.today_cn()).days, 0)


def set_maturity_choice(session: Session, customer_id: int, deposit_id: int, choice: str) -> TimeDeposit:
    """What happens at maturity (renew or back to demand), changeable until then: by voice, "定期到期了转到活期".

    Only a deposit that has not matured or ended yet (pending or active) can change it; nothing moves now."""
    if choice not in (RENEW, DEMAND_CHOICE):
        raise ErrorCode.VALIDATION_ERROR.error("到期后只能自动转存或转回活期。")
    deposit = own_deposit(session, customer_id, deposit_id, lock=True)
    status = effective_status(deposit)
    if status not in ("pending", "active"):
        raise ErrorCode.INVALID_STATE.error("这笔定期已经到期或取出了，不能再改。")
    if deposit.maturity_choice != choice:
        before = deposit.maturity_choice
        deposit.maturity_choice = choice
        session.add(deposit)
        audit.record(session, "customer", customer_id, "deposit.maturity_choice", "deposit", deposit.id,
                     before=before, after=choice)
        session.flush()
    return deposit
