"""Billers as the bank sees them: a small interface a real biller API (a utility's or a carrier's) can implement,
and the simulated billers the demo and the tests use.

A `Biller` answers three questions about one account number (户号, or a phone number for 话费):

* `known(account_no)`: does the biller have this account? (A wrong or unknown 户号 is said in plain words.)
* `lookup(account_no, today)`: the bill due now, or None when nothing is due (a top-up biller has no bills);
* `bills(account_no, today, months)`: the household's recent bills, newest first, for "the usual bill".

The bank stores what a lookup returned (`bills` table) and marks it paid there, so the biller's own "paid"
state never decides whether the bank pays twice.

The simulation: utility 户号 are 10 digits whose last digit is a Luhn check digit (so a mistyped one is
"unknown"); each month's bill is the previous month's consumption, issued on the 1st and due on the 20th, its
amount a deterministic function of 户号 and month within the biller's usual range. Households with fixed
bills (the demo's, a test's unusual one) are registered with `SimulatedBiller.add_household`. Mobile numbers
are any 11-digit Chinese mobile number; top-ups have no bill.
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

BILL = "bill"
TOPUP = "topup"
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_HOUSEHOLD = re.compile(r"^[0-9]{10}$")


@dataclass(frozen=True)
class BillInfo:
    """One bill of a biller (amounts in fen)."""

    biller_code: str
    account_no: str
    period: str  # the month billed, "2026-11"
    amount_fen: int
    due_date: date
    reference: str  # the biller's own bill number


class Biller(Protocol):
    code: str
    kind: str  # BILL or TOPUP

    def known(self, account_no: str) -> bool: ...

    def lookup(self, account_no: str, today: date) -> BillInfo | None: ...

    def bills(self, account_no: str, today: date, months: int = 6) -> list[BillInfo]: ...


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def with_check_digit(body: str) -> str:
    """A 9-digit body plus its Luhn check digit: a 户号 the simulated utilities know."""
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def _month(today: date, back: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 - back
    return index // 12, index % 12 + 1


def period_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


@dataclass
class Household:
    """A household with fixed bills relative to today: [last month's, the month before's, ...] in fen (0: no
    bill that month; months beyond the list: none)."""

    recent_fen: list[int] = field(default_factory=list)


@dataclass
class SimulatedBiller:
    code: str
    kind: str
    low_fen: int  # the usual range of a month's bill
    high_fen: int
    _households: dict[str, Household] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_household(self, account_no: str, recent_fen: list[int] | None = None) -> None:
        """Registers a household with fixed bills, newest first ([] : known, nothing billed)."""
        with self._lock:
            self._households[account_no] = Household(list(recent_fen or []))

    def known(self, account_no: str) -> bool:
        if self.kind == TOPUP:
            return bool(_MOBILE.match(account_no))
        if account_no in self._households:
            return True
        return bool(_HOUSEHOLD.match(account_no)) and luhn_ok(account_no)

    def _bill(self, account_no: str, today: date, back: int) -> BillInfo | None:
        year, month = _month(today, back)
        period = period_text(year, month)
        household = self._households.get(account_no)
        if household is not None:
            amount = household.recent_fen[back - 1] if back <= len(household.recent_fen) else 0
        else:
            digest = hashlib.sha256(f"{self.code}:{account_no}:{period}".encode()).digest()
            amount = self.low_fen + int.from_bytes(digest[:4], "big") % (self.high_fen - self.low_fen + 1)
        if not amount:
            return None
        due_year, due_month = _month(date(year, month, 1), -1)
        return BillInfo(self.code, account_no, period, amount, date(due_year, due_month, 20),
                        f"{self.code}-{account_no}-{period}")

    def lookup(self, account_no: str, today: date) -> BillInfo | None:
        """This month's bill is last month's consumption (issued on the 1st, due on the 20th)."""
        if self.kind == TOPUP or not self.known(account_no):
            return None
        return self._bill(account_no, today, 1)

    def bills(self, account_no: str, today: date, months: int = 6) -> list[BillInfo]:
        if self.kind == TOPUP or not self.known(account_no):
            return []
        found = (self._bill(account_no, today, back) for back in range(1, months + 1))
        return [bill for bill in found if bill is not None]


class BillerDirectory:
    """The billers by code. The simulated ones by default; a deployment puts real clients in their place."""

    def __init__(self, billers: dict[str, Biller]) -> None:
        self._billers = billers

    def get(self, code: str) -> Biller | None:
        return self._billers.get(code)

    def simulated(self, code: str) -> SimulatedBiller:
        biller = self._billers[code]
        assert isinstance(biller, SimulatedBiller)
        return biller


# The demo's households (backend/seed_services.py saves them for 张桂兰 and 李大山): 张桂兰's electricity bill is
# due, her water bill has been paid at the counter (nothing due); 李大山's electricity bill is due.
DEMO_ZHANG_POWER = "3301001236"
DEMO_ZHANG_WATER = "2201004563"
DEMO_LI_POWER = "3302007894"
DEMO_ZHANG_HUSBAND_MOBILE = "13900000011"


def _default_directory() -> BillerDirectory:
    water = SimulatedBiller("WATER", BILL, 20_00, 60_00)
    power = SimulatedBiller("POWER", BILL, 60_00, 180_00)
    gas = SimulatedBiller("GAS", BILL, 30_00, 120_00)
    mobile = SimulatedBiller("MOBILE", TOPUP, 0, 0)
    return BillerDirectory({"WATER": water, "POWER": power, "GAS": gas, "MOBILE": mobile})


DIRECTORY = _default_directory()


def register_demo_households() -> None:
    """Fixed demo bills, newest first, relative to the current month (the demo always has a bill due)."""
    DIRECTORY.simulated("POWER").add_household(DEMO_ZHANG_POWER, [128_60, 96_30, 88_10, 102_40, 91_70, 99_00])
    DIRECTORY.simulated("WATER").add_household(DEMO_ZHANG_WATER, [])
    DIRECTORY.simulated("POWER").add_household(DEMO_LI_POWER, [67_20, 58_90, 61_30, 55_00, 63_80, 60_10])


register_demo_households()
