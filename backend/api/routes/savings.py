from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import select

from backend.api import presenters
from backend.api.deps import SessionDep
from backend.models import SavingsProduct
from backend.schemas import ProductOut

router = APIRouter(tags=["savings"])


@router.get("/savings/products", response_model=list[ProductOut])
def list_products(session: SessionDep) -> list[ProductOut]:
    rows = session.exec(select(SavingsProduct).order_by(SavingsProduct.term_months, SavingsProduct.id)).all()  # type: ignore[arg-type]
    return [presenters.product(row) for row in rows]
