"""Load-test customers: one per simulated user, each with a demand account and an old payee (儿子), so no
transfer is held and no two users share books. Created through the backend's own seed code (same hashing,
same ledger postings as the demo data)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from backend.core.config import Settings
from backend.core.db import make_engine, write_session
from backend.core.security import make_hasher
from backend.seed import DemoAccount, DemoCustomer, DemoPayee, ensure_customer

OPENING_FEN = 1_000_000_00  # 1,000,000.00 yuan: enough for every conversation of a run


@dataclass(frozen=True)
class LoadCustomer:
    phone: str
    pin: str
    address: str  # the simulated client address (sent as X-Forwarded-For)

    def as_dict(self) -> dict[str, str]:
        return {"phone": self.phone, "pin": self.pin, "address": self.address}


def seed_load_customers(database_url: str, count: int, first: int = 0) -> list[LoadCustomer]:
    settings = Settings(database_url=database_url)
    engine = make_engine(settings)
    hasher = make_hasher(settings)
    out: list[LoadCustomer] = []
    try:
        with write_session(engine) as session:
            for i in range(first, first + count):
                pin = f"{secrets.randbelow(10**6):06d}"
                phone = f"139{i:08d}"
                ensure_customer(session, hasher, DemoCustomer(
                    f"压测客户{i}", phone, pin,
                    [DemoAccount("demand", "活期账户", f"62220299{i:011d}", OPENING_FEN)],
                    [DemoPayee("王小明", "儿子", "中国农业银行", f"62284899{i:011d}", 400)],
                ))
                out.append(LoadCustomer(phone, pin, f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"))
            session.commit()
    finally:
        engine.dispose()
    return out
