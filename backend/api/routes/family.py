"""The family contact (亲情联系人, issue 12): set and read by staff; the customer sees it (masked), never sets it."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from sqlmodel import select

from backend.api.deps import CustomerId, SessionDep, StaffId, WriteSessionDep
from backend.api.responses import errors
from backend.core.tables import saved_id
from backend.errors import not_found
from backend.models import Approval, Customer, FamilyContact
from backend.schemas import MAX_ID, Name
from backend.services import family
from rules.redact import mask_phone

router = APIRouter(tags=["family"])
CustomerPath = Annotated[int, Path(ge=1, le=MAX_ID)]
_ERRORS = errors(401, 403, 404, 422)


class FamilyContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Name(50)]
    relationship: Annotated[str, Name(20)]
    phone: Annotated[StrictStr, Field(pattern=r"^1[3-9][0-9]{9}$", examples=["13900000021"])]


class FamilyContactOut(BaseModel):
    customer_id: int
    name: str
    relationship: str
    phone: str  # staff see the whole number (they call it)
    updated_at: datetime
    set_by: int


class MyFamilyContactOut(BaseModel):
    name: str
    relationship: str
    phone_masked: str


class ApprovalContactOut(BaseModel):
    approval_id: int
    customer_id: int
    contact: FamilyContactOut | None


def _out(row: FamilyContact) -> FamilyContactOut:
    return FamilyContactOut(customer_id=row.customer_id, name=row.name, relationship=row.relationship,
                            phone=row.phone, updated_at=row.updated_at, set_by=row.set_by)


class CustomerFound(BaseModel):
    id: int
    name: str
    phone_masked: str


@router.get("/staff/customers", response_model=list[CustomerFound], responses=_ERRORS)
def find_customer(
    staff_id: StaffId, session: SessionDep,
    phone: Annotated[StrictStr, Query(pattern=r"^1[0-9]{10}$", examples=["13800000001"])],
) -> list[CustomerFound]:
    """The customer at the counter, by the phone number they give (to set their family contact)."""
    row = session.exec(select(Customer).where(Customer.phone == phone)).first()
    return [] if row is None else [CustomerFound(id=saved_id(row), name=row.name, phone_masked=mask_phone(row.phone))]


@router.put("/staff/customers/{customer_id}/family-contact", response_model=FamilyContactOut, responses=_ERRORS)
def put_family_contact(
    customer_id: CustomerPath, body: FamilyContactIn, staff_id: StaffId, session: WriteSessionDep
) -> FamilyContactOut:
    row = family.set_contact(session, staff_id, customer_id, body.name, body.relationship, body.phone)
    out = _out(row)
    session.commit()
    return out


@router.get("/staff/customers/{customer_id}/family-contact", response_model=FamilyContactOut, responses=_ERRORS)
def get_family_contact(customer_id: CustomerPath, staff_id: StaffId, session: SessionDep) -> FamilyContactOut:
    row = family.contact_of(session, customer_id)
    if row is None:
        raise not_found("亲情联系人")
    return _out(row)


@router.delete("/staff/customers/{customer_id}/family-contact", status_code=204, responses=_ERRORS)
def delete_family_contact(customer_id: CustomerPath, staff_id: StaffId, session: WriteSessionDep) -> Response:
    family.remove_contact(session, staff_id, customer_id)
    session.commit()
    return Response(status_code=204)


@router.get("/staff/approvals/{approval_id}/family-contact", response_model=ApprovalContactOut, responses=_ERRORS)
def approval_family_contact(approval_id: CustomerPath, staff_id: StaffId, session: SessionDep) -> ApprovalContactOut:
    """The number to call beside a held transfer (the approvals listing itself does not carry it yet)."""
    approval = session.get(Approval, approval_id)
    if approval is None:
        raise not_found("审批")
    row = family.contact_of(session, approval.customer_id)
    return ApprovalContactOut(approval_id=approval_id, customer_id=approval.customer_id,
                              contact=None if row is None else _out(row))


@router.get("/family-contact", response_model=MyFamilyContactOut, responses=_ERRORS)
def my_family_contact(customer_id: CustomerId, session: SessionDep) -> MyFamilyContactOut:
    """For the dialogue: "银行会给您的儿子王小明打电话确认" when a transfer is held. 404 when none is set."""
    row = family.contact_of(session, customer_id)
    if row is None:
        raise not_found("亲情联系人")
    return MyFamilyContactOut(name=row.name, relationship=row.relationship, phone_masked=mask_phone(row.phone))
