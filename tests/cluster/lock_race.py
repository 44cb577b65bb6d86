"""Run with .venv-rasa's python: two lock stores (as two Rasa servers would) issue the first ticket of
the same new conversation at the same moment, many times. Prints {"plain": n, "atomic": n}: how often both got
the same ticket, i.e. both would have processed at once. Usage: python lock_race.py REDIS_PORT ROUNDS"""
from __future__ import annotations

import json
import sys
import threading

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from cluster.rasa_stores import AtomicRedisLockStore


def same_ticket_count(make, rounds: int, tag: str) -> int:  # type: ignore[no-untyped-def]
    a, b = make(), make()
    same = 0
    for i in range(rounds):
        got: list[int] = [-1, -2]
        start = threading.Barrier(2)

        def issue(k: int, store: RedisLockStore, conversation: str, got: list[int], start: threading.Barrier) -> None:
            start.wait()
            got[k] = store.issue_ticket(conversation)

        threads = [threading.Thread(target=issue, args=(k, s, f"{tag}-{i}", got, start)) for k, s in ((0, a), (1, b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        same += got[0] == got[1]
    return same


if __name__ == "__main__":
    port, rounds = int(sys.argv[1]), int(sys.argv[2])
    print(json.dumps({
        "plain": same_ticket_count(lambda: RedisLockStore(host="127.0.0.1", port=port), rounds, "plain"),
        "atomic": same_ticket_count(
            lambda: AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=port)), rounds, "atomic"),
    }))
