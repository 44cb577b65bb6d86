"""The bank's books after traffic or faults, read straight from PostgreSQL: is money conserved, did each
transfer happen once? Used by the load benchmark and the fault tests."""
from __future__ import annotations

from dataclasses import dataclass, field

from cluster.stores import PostgresServer


@dataclass
class BooksReport:
    problems: list[str] = field(default_factory=list)
    completed_transfers: dict[str, int] = field(default_factory=dict)  # phone -> completed transfer count

    @property
    def ok(self) -> bool:
        return not self.problems


def _scalar(pg: PostgresServer, sql: str) -> int:
    return int(pg.psql("anxin", sql).strip() or 0)


def check_books(pg: PostgresServer, confirmed: dict[str, int] | None = None) -> BooksReport:
    """Ledger invariants for the whole bank, and (if given) each customer's confirmed transfers
    against the completed ones on record."""
    report = BooksReport()
    unbalanced = _scalar(pg, "SELECT count(*) FROM (SELECT journal_id FROM ledger_entries GROUP BY journal_id "
                             "HAVING sum(amount_fen) <> 0) j")
    if unbalanced:
        report.problems.append(f"{unbalanced} journal(s) whose entries do not sum to zero")
    drift = _scalar(pg, "SELECT count(*) FROM accounts a WHERE a.balance_fen <> COALESCE("
                        "(SELECT sum(e.amount_fen) FROM ledger_entries e WHERE e.account_id = a.id), 0)")
    if drift:
        report.problems.append(f"{drift} account(s) whose balance differs from their ledger")
    total = _scalar(pg, "SELECT COALESCE(sum(balance_fen), 0) FROM accounts")
    if total != 0:
        report.problems.append(f"money not conserved: all accounts (internal included) sum to {total} fen")
    # Each transfer once: one journal per completed transfer, debiting exactly its amount from its account;
    # no transfer journal without a transfer (a second posting); nothing posted for transfers not completed.
    shared = _scalar(pg, "SELECT count(*) FROM (SELECT journal_id FROM transfers WHERE journal_id IS NOT NULL "
                         "GROUP BY journal_id HAVING count(*) > 1) s")
    if shared:
        report.problems.append(f"{shared} journal(s) claimed by more than one transfer")
    wrong = _scalar(pg, "SELECT count(*) FROM transfers t WHERE t.status = 'completed' AND COALESCE("
                        "(SELECT -sum(e.amount_fen) FROM ledger_entries e WHERE e.journal_id = t.journal_id "
                        "AND e.account_id = t.from_account_id), 0) <> t.amount_fen")
    if wrong:
        report.problems.append(f"{wrong} completed transfer(s) whose posting is not exactly their amount")
    orphans = _scalar(pg, "SELECT count(*) FROM journals j WHERE j.kind = 'transfer' AND EXISTS "
                          "(SELECT 1 FROM ledger_entries e WHERE e.journal_id = j.id) AND NOT EXISTS "
                          "(SELECT 1 FROM transfers t WHERE t.journal_id = j.id AND t.status = 'completed')")
    if orphans:
        report.problems.append(f"{orphans} transfer posting(s) without a completed transfer (moved twice?)")
    rows = pg.psql("anxin", "SELECT c.phone, count(t.id) FROM customers c LEFT JOIN transfers t "
                            "ON t.customer_id = c.id AND t.status = 'completed' GROUP BY c.phone")
    for line in rows.splitlines():
        phone, _, count = line.partition("|")
        report.completed_transfers[phone] = int(count)
    for phone, seen in (confirmed or {}).items():
        on_record = report.completed_transfers.get(phone, 0)
        if on_record != seen:
            report.problems.append(f"customer …{phone[-4:]}: {seen} transfer(s) confirmed, {on_record} completed")
    return report
