"""A session saved by an older gateway (Redis JSON) still loads after a field was removed."""
from __future__ import annotations

import dataclasses

from gateway.sessions import GatewaySession


def test_a_session_stored_with_the_removed_last_transfer_ids_still_loads() -> None:
    saved = dataclasses.asdict(GatewaySession(sid="s1", channel="web", idle_timeout_s=600, expires_at=1e10,
                                             customer_token="t", customer_name="张桂兰"))
    saved["last_transfer_ids"] = [3, 4]  # what a gateway before issue 15 saved
    session = GatewaySession.from_stored(saved)
    assert (session.sid, session.customer_token, session.customer_name) == ("s1", "t", "张桂兰")
    assert not hasattr(session, "last_transfer_ids")
    assert GatewaySession.from_stored(dataclasses.asdict(session)) == session
