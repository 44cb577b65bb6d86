from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import CustomerId, SettingsDep, WriteSessionDep
from backend.api.responses import errors
from backend.schemas import FraudStopIn, FraudStopOut
from backend.services import fraud

router = APIRouter(tags=["fraud"])


@router.post("/fraud/stops", response_model=FraudStopOut, status_code=201,
             responses=errors(401, 422))
def fraud_stop(body: FraudStopIn, customer_id: CustomerId, session: WriteSessionDep, settings: SettingsDep) -> FraudStopOut:
    """The dialogue stopped a scam: cooling-off (extended on a repeat), pending transfers and deposits
    cancelled, audited, in one transaction. No Idempotency-Key: a repeat only keeps or extends the hold."""
    # A family this backend does not know (a newer dialogue) must not make the stop fail: it counts as generic.
    family = body.family if fraud.known_family(body.family) else fraud.fraud_rules.GENERIC
    outcome = fraud.stop(session, settings, customer_id, family, body.channel, body.text, body.transfer_id)
    session.commit()
    return FraudStopOut(
        cooling_off_until=outcome.cooling_off_until, cancelled_transfer_ids=outcome.cancelled_transfer_ids,
        cancelled_deposit_ids=outcome.cancelled_deposit_ids,
        cancelled_bill_payment_ids=outcome.cancelled_bill_payment_ids, held_transfer_ids=outcome.held_transfer_ids,
        cancelled_withdrawal_ids=outcome.cancelled_withdrawal_ids, revoked_transfer_ids=outcome.revoked_transfer_ids,
    )
