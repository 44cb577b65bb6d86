"""Demo data of the everyday services (issue 12), called by `backend.seed` in demo mode only; idempotent.

张桂兰: 家里的电费 (a bill due), 家里的水费 (nothing due), 老伴的手机 (话费); family contact 儿子 王小明.
李大山: 家里的电费 (a bill due); his pension account is on the monthly payroll (3,500.00 元).
陈阿婆: family contact 女儿 陈美玲 (her transfers to a new payee are held: the contact gets the SMS).
The bills themselves are the simulated billers' (services/billers.py, the DEMO_* households).
"""
from __future__ import annotations

from sqlmodel import Session, select

from backend.models import Account, BillAccount, Biller, Customer, FamilyContact, StaffUser
from backend.services import billers, clock, payroll

# phone -> [(biller code, account number, label)]
DEMO_BILL_ACCOUNTS = {
    "13800000001": [("POWER", billers.DEMO_ZHANG_POWER, "家里的电费"), ("WATER", billers.DEMO_ZHANG_WATER, "家里的水费"),
                    ("MOBILE", billers.DEMO_ZHANG_HUSBAND_MOBILE, "老伴的手机")],
    "13800000002": [("POWER", billers.DEMO_LI_POWER, "家里的电费")],
}
DEMO_PENSIONS = {"6222021002000025678": 3_500_00}  # 李大山's pension account: monthly amount in fen
# phone -> (name, relationship, phone); set as by the demo staff member at the counter
DEMO_FAMILY_CONTACTS = {
    "13800000001": ("王小明", "儿子", "13900000021"),
    "13800000003": ("陈美玲", "女儿", "13900000031"),
}


def ensure_services(session: Session, staff_username: str = "staff") -> None:
    by_code = {row.code: row for row in session.exec(select(Biller)).all()}
    for phone, saved in DEMO_BILL_ACCOUNTS.items():
        customer = session.exec(select(Customer).where(Customer.phone == phone)).first()
        if customer is None:
            continue
        for code, number, label in saved:
            biller = by_code[code]
            exists = session.exec(select(BillAccount.id).where(
                BillAccount.customer_id == customer.id, BillAccount.biller_id == biller.id,
                BillAccount.account_no == number)).first()
            if exists is None:
                session.add(BillAccount(customer_id=customer.id, biller_id=biller.id, account_no=number,  # type: ignore[arg-type]
                                        label=label, created_at=clock.now()))
    for number, amount_fen in DEMO_PENSIONS.items():
        account_id = session.exec(select(Account.id).where(Account.number == number)).first()
        if account_id is not None:
            payroll.enroll(session, account_id, amount_fen)
    staff = session.exec(select(StaffUser).where(StaffUser.username == staff_username)).first()
    for phone, (name, relationship, contact_phone) in DEMO_FAMILY_CONTACTS.items():
        customer = session.exec(select(Customer).where(Customer.phone == phone)).first()
        if customer is None or staff is None:
            continue
        if session.exec(select(FamilyContact.id).where(FamilyContact.customer_id == customer.id)).first() is None:
            session.add(FamilyContact(customer_id=customer.id, name=name, relationship=relationship,  # type: ignore[arg-type]
                                      phone=contact_phone, set_by=staff.id, updated_at=clock.now()))  # type: ignore[arg-type]
    session.flush()
