from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from backend.api import presenters
from backend.api.deps import SessionDep
from backend.models import SavingsProduct
from backend.schemas import ProductOut

router = APIRouter(tags=["savings"])


@router.get("/savings/products", response_model=list[ProductOut])
def list_products(session: SessionDep) -> list[ProductOut]:
    rows = session.exec(select(SavingsProduct).order_by(col(SavingsProduct.term_months), col(SavingsProduct.id))).all()
    return [presenters.product(row) for row in rows]
