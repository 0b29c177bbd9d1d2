"""The `{{ path }}` resolver and handler compilation: lookups only, every fault named, and the
tutorial's short form for variables (docs/modern-treasury.md)."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from ledgerd.server.domain.balances import BalanceView, Direction, Status
from ledgerd.server.domain.errors import ErrorReason, InvalidArgument
from ledgerd.server.domain.events import (
    LedgerEventHandler,
    Path,
    compile_handler,
    condition_candidates,
    event_context,
    parse_template,
    render_queries,
    render_transaction,
)
from ledgerd.server.domain.validation import Violations

WALLET_ID, TOP_UP_ID = uuid.uuid4(), uuid.uuid4()
DEFINITION: dict[str, Any] = {
    "conditions": {"field": "ledgerable_event.name", "operator": "equals", "value": "Top Up"},
    "variables": {
        "wallet_account": {
            "type": "ledger_account",
            "query": {
                "field": "metadata",
                "operator": "contains",
                "value": {"user_id": "{{ledgerable_event.custom_data.user_id}}", "type": "wallet"},
            },
        },
        "top_up_account": {
            "type": "ledger_account",
            "query": {"field": "id", "operator": "equals", "value": str(TOP_UP_ID)},
        },
    },
    "ledger_transaction_template": {
        "description": "Top up for {{wallet_account.name}}",
        "status": "posted",
        "ledger_entries": [
            {
                "ledger_account_id": "{{variables.wallet_account.id}}",
                "amount": "{{ ledgerable_event.custom_data.amount }}",
                "direction": "credit",
            },
            {
                "ledger_account_id": "{{variables.top_up_account.id}}",
                "amount": "{{ledgerable_event.custom_data.amount}}",
                "direction": "debit",
                "available_balance_amount": {"gte": "0"},
            },
        ],
    },
}


def handler(definition: dict[str, Any] = DEFINITION) -> LedgerEventHandler:
    now = datetime.now(UTC)
    return LedgerEventHandler(
        id=uuid.uuid4(),
        ledger_id=uuid.uuid4(),
        name="Top Up Event Handler",
        description="",
        metadata={},
        created_at=now,
        updated_at=now,
        **copy.deepcopy(definition),
    )


def context(**custom_data: Any) -> dict[str, Any]:
    event = event_context("Top Up", "", {"amount": "1500", "user_id": "42", **custom_data}, {"source": "app"})
    variables = {
        "wallet_account": {"id": str(WALLET_ID), "name": "Jane's Wallet", "metadata": {}},
        "top_up_account": {"id": str(TOP_UP_ID), "name": "Top Ups", "metadata": {}},
    }
    return {**event, "variables": variables}


def test_the_seed_handler_renders_its_transaction_with_the_short_and_long_variable_forms() -> None:
    compiled = compile_handler(handler())
    rendered = render_transaction(compiled, context(), {"source": "app"})
    assert (rendered.description, rendered.status, rendered.metadata) == (
        "Top up for Jane's Wallet",
        Status.POSTED,
        {"source": "app"},
    )
    assert [(e.ledger_account_id, e.direction, e.amount) for e in rendered.entries] == [
        (WALLET_ID, Direction.CREDIT, 1500),
        (TOP_UP_ID, Direction.DEBIT, 1500),
    ]
    assert rendered.entries[1].conditions[0][0] is BalanceView.AVAILABLE


def test_variable_queries_render_against_the_event() -> None:
    compiled = compile_handler(handler())
    queries = {q.name: (q.field, value) for q, value in render_queries(compiled, context())}
    assert queries == {
        "top_up_account": ("id", str(TOP_UP_ID)),
        "wallet_account": ("metadata", {"user_id": "42", "type": "wallet"}),
    }


@pytest.mark.parametrize(
    "text",
    [
        "{{ 1 + 1 }}",
        "{{ __import__('os') }}",
        "{{ledgerable_event.custom_data['amount']}}",
        "{{ledgerable_event}}",
        "{{ledgerable_event.secret}}",
        "{{variables.unknown.id}}",
        "{{wallet_account.lock_version}}",
        "{{wallet_account.metadata}}",
        "{{ledgerable_event.name",
        "ledgerable_event.name}}",
    ],
)
def test_placeholders_are_plain_lookups_of_known_paths_only(text: str) -> None:
    violations = Violations()
    parse_template(violations, "field", text, frozenset({"wallet_account"}))
    assert [v.field for v in violations.items] == ["field"]


def test_numbers_render_as_integers_and_other_values_are_missing() -> None:
    violations = Violations()
    template = parse_template(violations, "amount", "{{ledgerable_event.custom_data.x}}", frozenset())
    assert violations.items == []
    assert template.render(event_context("e", "", {"x": 1500.0}, {})) == "1500"
    assert template.render(event_context("e", "", {"x": True}, {})) == "true"
    assert template.render(event_context("e", "", {"x": 15.5}, {})) == "15.5"
    assert template.parts == (Path(("ledgerable_event", "custom_data", "x")),)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("0", ErrorReason.TEMPLATE_AMOUNT_INVALID),
        ("-1", ErrorReason.TEMPLATE_AMOUNT_INVALID),
        ("1.5", ErrorReason.TEMPLATE_AMOUNT_INVALID),
        ("9223372036854775808", ErrorReason.TEMPLATE_AMOUNT_INVALID),
        (None, ErrorReason.TEMPLATE_PATH_MISSING),
        ({"nested": "1"}, ErrorReason.TEMPLATE_PATH_MISSING),
    ],
)
def test_an_amount_that_is_not_a_positive_integer_is_refused_naming_the_handler(
    amount: Any, reason: ErrorReason
) -> None:
    compiled = compile_handler(handler())
    with pytest.raises(InvalidArgument) as raised:
        render_transaction(compiled, context(amount=amount), {})
    assert raised.value.reason is reason
    assert raised.value.metadata["ledger_event_handler_id"] == str(compiled.id)
    assert raised.value.metadata["template_field"] == "ledger_transaction_template.ledger_entries[0].amount"


def test_a_faulty_definition_is_refused_with_every_fault() -> None:
    definition = copy.deepcopy(DEFINITION)
    definition["conditions"]["field"] = "custom_data.kind"
    definition["variables"]["Bad Name"] = {"type": "ledger_account", "query": {"field": "currency"}}
    definition["variables"]["top_up_account"]["query"]["value"] = "not-a-uuid"
    definition["ledger_transaction_template"]["effective_at"] = "yesterday"
    definition["ledger_transaction_template"]["ledger_entries"][1]["amount"] = "ten"
    with pytest.raises(InvalidArgument) as raised:
        compile_handler(handler(definition))
    assert {v.field for v in raised.value.violations} == {
        "conditions.field",
        "variables[Bad Name]",
        "variables[Bad Name].query.field",
        "variables[Bad Name].query.operator",
        "variables[Bad Name].query.value",
        "variables[top_up_account].query.value",
        "ledger_transaction_template.effective_at",
        "ledger_transaction_template.ledger_entries[1].amount",
    }


def test_an_event_offers_its_name_metadata_and_custom_data_leaves_as_condition_keys() -> None:
    candidates = condition_candidates("Top Up", {"amount": 15, "card": {"network": "visa"}, "odd key": "x"}, {"a": "b"})
    assert candidates == [
        ("ledgerable_event.name", "Top Up"),
        ("ledgerable_event.metadata.a", "b"),
        ("ledgerable_event.custom_data.amount", "15"),
        ("ledgerable_event.custom_data.card.network", "visa"),
    ]
