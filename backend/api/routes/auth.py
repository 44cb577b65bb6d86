from __future__ import annotations

from fastapi import APIRouter, Request
from sqlmodel import select

from backend.api import presenters
from backend.api.deps import CustomerId, EngineDep, HasherDep, SessionDep, SettingsDep, sign_in_client_key
from backend.api.responses import errors
from backend.core.ratelimit import check_login_rate
from backend.core.security import issue_token
from backend.core.tables import saved_id
from backend.errors import not_found
from backend.models import Customer
from backend.schemas import CustomerBrief, LoginIn, LoginOut, MeOut
from backend.services import auth

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=LoginOut,
             responses=errors(401, 423, 429))
def login(body: LoginIn, request: Request, engine: EngineDep, settings: SettingsDep, hasher: HasherDep) -> LoginOut:
    # Before the PIN is hashed: a flood of guesses is refused cheaply (argon2 costs ~0.1 s of CPU each).
    check_login_rate(request, body.phone, sign_in_client_key(request))
    result = auth.login_customer(engine, settings, hasher, body.phone, body.pin)
    customer = result.customer
    token, ttl = issue_token(settings, "customer", saved_id(customer))
    return LoginOut(access_token=token, expires_in=ttl,
                    customer=CustomerBrief(id=saved_id(customer), name=customer.name),
                    failed_attempts_since_last_login=result.failed_attempts_since_last_login, notice=result.notice)


@router.get("/me", response_model=MeOut, responses=errors(401))
def me(customer_id: CustomerId, session: SessionDep) -> MeOut:
    customer = session.exec(select(Customer).where(Customer.id == customer_id)).first()
    if customer is None:
        raise not_found("客户")
    return presenters.me(customer)  # with cooling_off_until (services/fraud.py)
