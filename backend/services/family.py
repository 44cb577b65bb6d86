"""The customer's family contact (亲情联系人): one per customer, name, relationship and phone.

Set only by staff (at the kiosk or counter, with the customer present), never by voice, and audited. The
contact has no power over the customer's money: it is a phone number the bank calls to confirm a held
transfer, and the number an outbox SMS goes to when a transfer is held (large amount, new payee, scam risk).

The SMS is written by a mapper event on every new approval (a held transfer always gets one, in
services/transfers.py), in the same transaction, so the transfer rules need not know about family contacts.
"""
from __future__ import annotations

from sqlalchemy import Connection, event, select
from sqlmodel import Session
from sqlmodel import select as sql_select

from backend.core.tables import table_of
from backend.errors import not_found
from backend.models import Approval, Customer, FamilyContact, Transfer
from backend.services import audit, clock, outbox
from rules.redact import mask_phone

_CONTACTS = table_of(FamilyContact)
_TRANSFERS = table_of(Transfer)
_CUSTOMERS = table_of(Customer)


def contact_of(session: Session, customer_id: int) -> FamilyContact | None:
    return session.exec(sql_select(FamilyContact).where(FamilyContact.customer_id == customer_id)).first()


def _customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise not_found("客户")
    return customer


def set_contact(session: Session, staff_id: int, customer_id: int, name: str, relationship: str,
                phone: str) -> FamilyContact:
    _customer(session, customer_id)
    row = contact_of(session, customer_id)
    action = "family_contact.changed" if row is not None else "family_contact.set"
    if row is None:
        row = FamilyContact(customer_id=customer_id, name=name, relationship=relationship, phone=phone,
                            set_by=staff_id, updated_at=clock.now())
    else:
        row.name, row.relationship, row.phone = name, relationship, phone
        row.set_by, row.updated_at = staff_id, clock.now()
    session.add(row)
    session.flush()
    # The phone number masked: the audit trail says who changed what, it is no address book.
    audit.record(session, "staff", staff_id, action, "customer", customer_id,
                 name=name, relationship=relationship, phone=mask_phone(phone))
    return row


def remove_contact(session: Session, staff_id: int, customer_id: int) -> None:
    _customer(session, customer_id)
    row = contact_of(session, customer_id)
    if row is None:
        raise not_found("亲情联系人")
    session.delete(row)
    audit.record(session, "staff", staff_id, "family_contact.removed", "customer", customer_id)
    session.flush()


@event.listens_for(Approval, "after_insert")
def _tell_family_of_hold(_mapper: object, connection: Connection, target: Approval) -> None:
    contact = connection.execute(
        select(_CONTACTS.c.phone)
        .where(_CONTACTS.c.customer_id == target.customer_id)
    ).first()
    if contact is None:
        return
    held = connection.execute(
        select(_TRANSFERS.c.amount_fen, _CUSTOMERS.c.name)
        .select_from(_TRANSFERS.join(_CUSTOMERS, _CUSTOMERS.c.id == _TRANSFERS.c.customer_id))
        .where(_TRANSFERS.c.id == target.transfer_id)
    ).first()
    if held is None:
        return
    outbox.add(connection, outbox.TRANSFER_HELD_FAMILY, f"transfer:{target.transfer_id}", target.customer_id,
               contact.phone, outbox.transfer_held_family_text(held.name, held.amount_fen))
