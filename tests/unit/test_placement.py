"""The ledger map (store/placement.py): what it answers, what it forgets, and the two statements a
read by id is sent as."""

from __future__ import annotations

import uuid

from ledgerd.server.store.placement import ByIds, LedgerMap


def test_the_one_ledger_of_ids_is_known_only_when_every_id_is_known_and_in_it() -> None:
    ledger, other = uuid.uuid4(), uuid.uuid4()
    a, b, c, unknown = (uuid.uuid4() for _ in range(4))
    known = LedgerMap(10)
    known.learn(a, ledger)
    known.learn(b, ledger)
    known.learn_rows([{"id": c, "ledger_id": other}])
    assert known.ledger_of([a, b]) == ledger
    assert known.ledger_of([c]) == other
    assert known.ledger_of([a, c]) is None  # two ledgers: read anywhere
    assert known.ledger_of([a, unknown]) is None
    assert known.ledger_of([]) is None


def test_a_full_map_forgets_its_oldest_ids_first_and_never_relearns_a_known_one() -> None:
    ledger = uuid.uuid4()
    ids = [uuid.uuid4() for _ in range(4)]
    known = LedgerMap(3)
    for row_id in ids[:3]:
        known.learn(row_id, ledger)
    known.learn(ids[0], uuid.uuid4())  # a row's ledger never changes: what was learnt stays
    assert known.ledger_of([ids[0]]) == ledger
    known.learn(ids[3], ledger)
    assert len(known) == 3
    assert known.ledger_of([ids[0]]) is None
    assert known.ledger_of(ids[1:]) == ledger


def test_a_read_by_id_names_its_ledger_as_the_parameter_after_its_own() -> None:
    read = ByIds(
        "SELECT a.* FROM ledger_accounts a WHERE a.id = ANY($1::uuid[]) AND a.name = $2 {ledger}"
        " AND EXISTS (SELECT 1 FROM ledger_entries e WHERE e.ledger_id = {ledger_id} AND e.ledger_account_id = a.id)",
        "a.ledger_id",
    )
    assert read.in_ledger == (
        "SELECT a.* FROM ledger_accounts a WHERE a.id = ANY($1::uuid[]) AND a.name = $2 AND a.ledger_id = $3"
        " AND EXISTS (SELECT 1 FROM ledger_entries e WHERE e.ledger_id = $3 AND e.ledger_account_id = a.id)"
    )
    assert read.anywhere == (
        "SELECT a.* FROM ledger_accounts a WHERE a.id = ANY($1::uuid[]) AND a.name = $2 "
        " AND EXISTS (SELECT 1 FROM ledger_entries e WHERE e.ledger_id = a.ledger_id AND e.ledger_account_id = a.id)"
    )
