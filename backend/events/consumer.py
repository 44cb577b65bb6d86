"""Rasa's conversation events from RabbitMQ into `conversation_events` (the operations page reads them).

Rasa's PikaEventBroker publishes each new tracker event as JSON (`sender_id` plus the event's own fields) to
the fanout exchange `rasa-exchange`, bound to the durable queue `anxin_events`. This consumer declares the same
exchange, queue and binding (whichever starts first, nothing is dropped), takes a batch, stores it and only then
acknowledges it: a crash between the two redelivers the batch, and the unique event id stores it once.

Event ids: Rasa events carry none. The id is sha256 over sender_id, timestamp, event type and a hash of the whole
event as published (sorted-key JSON). Each part is needed: the timestamp alone repeats across conversations and,
within one turn, across events stamped in the same instant; the type and the content hash separate different
events of one conversation at one instant (an action and the bot message it sent). A redelivered message, or
the same event republished by Rasa after a broker outage, is byte-for-byte the same, so it gets the same id.

What is kept: no metadata (the gateway's metadata carries the customer's bank token), the conversation as a hash
of the sender id, text and slot values with secrets and every run of 4+ digits masked (rules.redact: PINs, card
and account numbers, codes). Settings: ANXIN_AMQP_URL, ANXIN_EVENTS_QUEUE (anxin_events), ANXIN_DATABASE_URL.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import signal
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.dialects import postgresql, sqlite

from backend.core.config import get_settings
from backend.core.db import make_engine, write_session
from backend.core.tables import table_of
from backend.models import ConversationEvent
from rules.redact import redact_digits, redact_secrets

log = logging.getLogger("backend.events")

EXCHANGE = "rasa-exchange"  # Rasa 3.6's PikaEventBroker default
DEFAULT_QUEUE = "anxin_events"
BATCH = 200
RECONNECT_S = 1.0


def event_id(body: dict[str, Any]) -> str:
    content = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    key = f"{body.get('sender_id', '')}|{body.get('timestamp', '')!r}|{body.get('event', '')}|{content}"
    return hashlib.sha256(key.encode()).hexdigest()


def _mask(text: Any, limit: int | None = None) -> str | None:
    if text is None or isinstance(text, dict | list):
        return None
    masked = redact_digits(redact_secrets(str(text)))
    return masked[:limit] if limit else masked


def event_row(body: dict[str, Any]) -> dict[str, Any] | None:
    """The row stored for one published event (None: not an event)."""
    kind = body.get("event")
    sender = body.get("sender_id")
    if not isinstance(kind, str) or not isinstance(sender, str):
        return None
    try:
        occurred = datetime.fromtimestamp(float(body.get("timestamp") or time.time()), UTC)
    except (TypeError, ValueError, OverflowError):
        occurred = datetime.now(UTC)
    name: Any = None
    value: str | None = None
    text: str | None = None
    channel: Any = None
    if kind == "user":
        name = ((body.get("parse_data") or {}).get("intent") or {}).get("name")
        text = _mask(body.get("text"))
        given = body.get("metadata")
        metadata: dict[str, Any] = given if isinstance(given, dict) else {}
        channel = metadata.get("channel") or body.get("input_channel")
    elif kind == "bot":
        text = _mask(body.get("text"))
    elif kind == "action":
        name = body.get("name")
    elif kind == "slot":
        name = body.get("name")
        value = _mask(body.get("value"), 80)
    return {
        "event_id": event_id(body),
        "conversation": hashlib.sha256(sender.encode()).hexdigest()[:32],
        "channel": _mask(channel, 16),
        "type": kind[:32],
        "name": _mask(name, 80),
        "value": value,
        "text": text,
        "occurred_at": occurred,
        "received_at": datetime.now(UTC),
    }


def store(engine: Engine, bodies: list[dict[str, Any]]) -> int:
    """Stores the events not stored yet; returns how many were new."""
    rows = [r for r in (event_row(b) for b in bodies) if r is not None]
    if not rows:
        return 0
    table = table_of(ConversationEvent)
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(engine.dialect.name)
    stmt = (dialect.insert(table).on_conflict_do_nothing(index_elements=["event_id"]) if dialect
            else insert(table))
    # RETURNING counts the rows really inserted (an executemany's rowcount is not reliable across drivers).
    with write_session(engine) as session:
        inserted = len(session.execute(stmt.returning(table.c.id), rows).all())
        session.commit()
    return inserted


class Consumer:
    """Blocking pika consumer with its own reconnect loop (RabbitMQ restarts, network blips)."""

    def __init__(self, amqp_url: str, engine: Engine, queue: str = DEFAULT_QUEUE) -> None:
        self.amqp_url = amqp_url
        self.engine = engine
        self.queue = queue
        self.stopping = threading.Event()
        self.stored = 0

    def _declare(self, channel: Any) -> None:
        # The same declarations as Rasa's broker (durable queue, fanout exchange), so either may come first.
        channel.exchange_declare(EXCHANGE, exchange_type="fanout", durable=False)
        channel.queue_declare(self.queue, durable=True)
        channel.queue_bind(self.queue, EXCHANGE, routing_key="")
        channel.basic_qos(prefetch_count=BATCH)

    def _drain(self, channel: Any) -> None:
        while not self.stopping.is_set():
            batch: list[tuple[int, dict[str, Any]]] = []
            try:
                for method, _props, raw in channel.consume(self.queue, inactivity_timeout=0.5):
                    if method is None:
                        break
                    try:
                        batch.append((method.delivery_tag, json.loads(raw)))
                    except ValueError:
                        log.warning("dropped a message that is not JSON (%d bytes)", len(raw or b""))
                        channel.basic_ack(method.delivery_tag)
                    if len(batch) >= BATCH or self.stopping.is_set():
                        break
            finally:
                # Stored even when the connection broke mid-batch (RabbitMQ going away): what was received is
                # kept without waiting for a redelivery; the redelivery is harmless, the event id stores it once.
                if batch:
                    self.stored += store(self.engine, [b for _, b in batch])
            if batch:
                # Acknowledged after the commit: one ack for the whole batch.
                channel.basic_ack(batch[-1][0], multiple=True)

    def run(self) -> None:
        import pika

        params = pika.URLParameters(self.amqp_url)
        params.heartbeat = 30
        params.blocked_connection_timeout = 30
        while not self.stopping.is_set():
            connection = None
            try:
                connection = pika.BlockingConnection(params)
                channel = connection.channel()
                self._declare(channel)
                log.info("consuming %s", self.queue)
                self._drain(channel)
            except (pika.exceptions.AMQPError, OSError) as exc:
                log.warning("RabbitMQ unavailable (%s); retrying", type(exc).__name__)
                self.stopping.wait(RECONNECT_S)
            except Exception as exc:  # the database: the batch was not acked, so it is redelivered
                log.warning("storing events failed (%s); retrying", type(exc).__name__)
                self.stopping.wait(RECONNECT_S)
            finally:
                if connection is not None and connection.is_open:
                    try:
                        connection.close()
                    except Exception:  # noqa: BLE001  (closing a broken connection)
                        log.debug("close failed")


def serve_health(consumer: Consumer, host: str, port: int) -> ThreadingHTTPServer | None:
    """GET /health on host:port ({"status": "ok", "stored": n}) for launchers and systemd checks; a port that
    is taken is logged, never fatal (the consumer's work does not depend on it)."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
            ok = self.path.split("?")[0] == "/health"
            body = json.dumps({"status": "ok", "stored": consumer.stored} if ok else {"code": "NOT_FOUND"})
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_: Any) -> None:  # no access log
            return

    try:
        server = ThreadingHTTPServer((host, port), Health)
    except OSError as exc:
        log.warning("health endpoint not started on %s:%d (%s)", host, port, exc.strerror)
        return None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.events", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="port of GET /health (0: none)")
    args = parser.parse_args(argv)
    url = os.environ.get("ANXIN_AMQP_URL")
    if not url:
        log.error("ANXIN_AMQP_URL is not set (amqp://user:password@host:port/)")
        return 2
    consumer = Consumer(url, make_engine(get_settings()), os.environ.get("ANXIN_EVENTS_QUEUE", DEFAULT_QUEUE))
    signal.signal(signal.SIGTERM, lambda *_: consumer.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: consumer.stopping.set())
    health = serve_health(consumer, args.host, args.port) if args.port else None
    consumer.run()
    if health is not None:
        health.shutdown()
    log.info("stopped after storing %d new events", consumer.stored)
    return 0
