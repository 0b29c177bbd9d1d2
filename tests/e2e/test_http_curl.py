"""The seeds' digital-wallet tutorial as its `curl` commands send it: the same bodies, byte for
byte (the first one's trailing comma included), with Basic auth, to this server instead of MT's
host. Only the ids MT's example answers carried are replaced by the ones this server answered."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from ledgerd.server.domain import limits
from ledgerd.server.http.routes import OPERATIONS

from .http_helpers import new_organization

# The tutorial's ids, in the order its answers gave them.
TUTORIAL_IDS = {
    "ledger": "89c8bd30-e06a-4a79-b396-e6c7e13e7a12",
    "cash": "f1c7e474-e6d5-4741-9f76-04510c8b6d7a",
    "jane": "61574fb6-7e8e-403e-980c-ff23e9fbd61b",
    "john": "463237a4-a93d-4396-9be8-5bacb8ceead1",
}

CREATE_LEDGER = """{
    "name": "SendCash Ledger",
    "description": "Represents our USD funds and user balances",
  }"""
CREATE_ACCOUNTS = {
    "cash": """{
    "name": "Cash Account",
    "description": "Tracks our cash",
    "normal_balance": "debit",
    "currency": "USD",
    "ledger_id": "89c8bd30-e06a-4a79-b396-e6c7e13e7a12"
  }""",
    "jane": """{
    "name": "Jane Doe Wallet",
    "description": "Tracks balance held on behalf of Jane Doe",
    "normal_balance": "credit",
    "currency": "USD",
    "ledger_id": "89c8bd30-e06a-4a79-b396-e6c7e13e7a12"
  }""",
    "john": """{
    "name": "John Doe Wallet",
    "description": "Tracks balance held on behalf of John Doe",
    "normal_balance": "credit",
    "currency": "USD",
    "ledger_id": "89c8bd30-e06a-4a79-b396-e6c7e13e7a12"
  }""",
}
CREATE_TRANSACTIONS = [
    """{
    "description": "Jane Doe cash deposit",
    "effective_date": "2020-08-27",
    "status": "posted",
    "external_id": "97dbb8b1-e6f2-485e-a0ec-6267e3c60718",
    "ledger_entries": [
      {
        "amount": 10000,
        "direction": "debit",
        "ledger_account_id": "f1c7e474-e6d5-4741-9f76-04510c8b6d7a"
      },
      {
        "amount": 10000,
        "direction": "credit",
        "ledger_account_id": "61574fb6-7e8e-403e-980c-ff23e9fbd61b"
      }
    ] 
  }""",
    """{
    "description": "Jane Doe wallet transfer to John Doe",
    "effective_date": "2020-08-29",
    "status": "posted",
    "external_id": "c006a6df-72ff-4cbf-aa4a-c18dde4b05c5",
    "ledger_entries": [
      {
        "amount": 5000,
        "direction": "credit",
        "ledger_account_id": "463237a4-a93d-4396-9be8-5bacb8ceead1"
      },
      {
        "amount": 5000,
        "direction": "debit",
        "ledger_account_id": "61574fb6-7e8e-403e-980c-ff23e9fbd61b"
      }
    ]
  }""",
    """{
    "description": "John Doe cash withdrawal",
    "effective_date": "2020-08-30",
    "status": "posted",
    "external_id": "a9a7fd22-8922-498a-b8b3-def4df72d5e4",
    "ledger_entries": [
      {
        "amount": 5000,
        "direction": "credit",
        "ledger_account_id": "f1c7e474-e6d5-4741-9f76-04510c8b6d7a"
      },
      {
        "amount": 5000,
        "direction": "debit",
        "ledger_account_id": "463237a4-a93d-4396-9be8-5bacb8ceead1"
      }
    ]
  }""",
]
# What `curl -d` sends (-H 'Content-Type: application/json').
HEADERS = {"Content-Type": "application/json"}


def with_ids(body: str, ids: dict[str, str]) -> str:
    for name, tutorial_id in TUTORIAL_IDS.items():
        if name in ids:
            body = body.replace(tutorial_id, ids[name])
    return body


async def test_the_seeds_curl_bodies_as_written_build_the_tutorials_ledger(http_base: str, pool: asyncpg.Pool) -> None:
    organization = await new_organization(pool)
    ids: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=http_base, auth=(organization.id, organization.api_key)) as curl:
        ledger = await curl.post("/api/ledgers", content=CREATE_LEDGER, headers=HEADERS)
        assert ledger.status_code == 201, ledger.text
        assert ledger.json()["name"] == "SendCash Ledger"
        assert ledger.json()["object"] == "ledger"
        ids["ledger"] = ledger.json()["id"]
        for name, body in CREATE_ACCOUNTS.items():
            account = await curl.post("/api/ledger_accounts", content=with_ids(body, ids), headers=HEADERS)
            assert account.status_code == 201, account.text
            assert account.json()["currency_exponent"] == 2
            ids[name] = account.json()["id"]
        for body in CREATE_TRANSACTIONS:
            transaction = await curl.post("/api/ledger_transactions", content=with_ids(body, ids), headers=HEADERS)
            assert transaction.status_code == 201, transaction.text
            assert transaction.json()["status"] == "posted"
        jane = await curl.get(f"/api/ledger_accounts/{ids['jane']}")
    assert jane.status_code == 200
    answer = jane.json()
    assert answer["lock_version"] == 2
    assert answer["normal_balance"] == "credit"
    assert answer["ledger_id"] == ids["ledger"]
    for kind in ("pending_balance", "posted_balance"):
        assert answer["balances"][kind] == {
            "credits": 10000,
            "debits": 5000,
            "amount": 5000,
            "credits_string": "10000",
            "debits_string": "5000",
            "amount_string": "5000",
            "currency": "USD",
            "currency_exponent": 2,
        }
    assert answer["discarded_at"] is None


async def test_a_body_that_is_not_a_ledger_is_422_and_writes_nothing(http_base: str, pool: asyncpg.Pool) -> None:
    organization = await new_organization(pool)
    async with httpx.AsyncClient(base_url=http_base, auth=(organization.name, organization.api_key)) as curl:
        for body in ('{"name": ', "[1, 2]", '{"name": "x", "colour": "red"}', '{"name": 7}'):
            refused = await curl.post("/api/ledgers", content=body, headers=HEADERS)
            assert refused.status_code == 422, refused.text
            assert set(refused.json()["errors"]) >= {"code", "message", "parameter"}
        listed = await curl.get("/api/ledgers")
    assert listed.json() == []


async def test_an_unknown_path_or_method_answers_in_mts_error_shape(http_base: str, pool: asyncpg.Pool) -> None:
    organization = await new_organization(pool)
    async with httpx.AsyncClient(base_url=http_base, auth=(organization.name, organization.api_key)) as curl:
        missing = await curl.get("/api/ledger_payouts")
        wrong_method = await curl.put("/api/ledgers")
        no_auth = await curl.get("/api/ledgers", auth=None)
    assert missing.status_code == 404
    assert missing.json()["errors"]["code"] == "resource_not_found"
    assert wrong_method.status_code == 405
    assert "errors" in wrong_method.json()
    assert no_auth.status_code == 401
    assert no_auth.headers["www-authenticate"].startswith("Basic")


ODD_BODIES = [
    ("/api/ledgers", '{"name": "\\ud800"}'),  # a lone surrogate: valid JSON, not valid text
    ("/api/ledgers", '{"name": "x", "metadata": {"k": 5}}'),
    ("/api/ledgers", "[" * 100_000 + "]" * 100_000),
    ("/api/ledgers", "{name: 'x', description: NaN}"),
    ("/api/ledger_accounts", '{"ledger_id": "x", "name": "a", "currency": "USD", "normal_balance": "sideways"}'),
    (
        "/api/ledger_transactions",
        '{"ledger_entries": [{"amount": 1e400, "direction": "debit", "ledger_account_id": "x"}]}',
    ),
    ("/api/ledger_transactions", '{"ledger_entries": [{"amount": 36893488147419103232, "direction": "debit"}]}'),
    ("/api/ledgerable_events", '{"name": "e", "custom_data": {"n": 1e999, "m": Infinity}}'),
    ("/api/ledgerable_events", '{"name": "e", "custom_data": {"n": 123456789012345678901234567890}}'),
    ("/api/ledger_account_statements", '{"ledger_account_id": "00000000-0000-0000-0000-000000000000"}'),
]


@pytest.mark.parametrize(("path", "body"), ODD_BODIES)
async def test_odd_bodies_are_refused_by_name_never_a_server_error(
    path: str, body: str, http_base: str, pool: asyncpg.Pool
) -> None:
    organization = await new_organization(pool)
    async with httpx.AsyncClient(base_url=http_base, auth=(organization.name, organization.api_key)) as curl:
        refused = await curl.post(path, content=body, headers=HEADERS)
        listed = await curl.get("/api/ledgers")
    assert refused.status_code in (404, 422), refused.text
    assert refused.json()["errors"]["message"]
    assert listed.json() == []


async def test_the_openapi_document_is_served_without_credentials_and_describes_every_operation(
    http_base: str,
) -> None:
    async with httpx.AsyncClient(base_url=http_base) as http:
        document = (await http.get("/api/openapi.json")).json()
    served = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert served == {(o.method, "/api" + o.path) for o in OPERATIONS}
    assert document["components"]["securitySchemes"]["basic_auth"] == {"type": "http", "scheme": "basic"}


async def test_an_idempotency_key_over_its_limit_is_422_and_writes_nothing(http_base: str, pool: asyncpg.Pool) -> None:
    organization = await new_organization(pool)
    too_long = "k" * (limits.idempotency_key_length_max + 1)
    async with httpx.AsyncClient(base_url=http_base, auth=(organization.name, organization.api_key)) as curl:
        refused = await curl.post("/api/ledgers", json={"name": "x"}, headers={"Idempotency-Key": too_long})
        listed = await curl.get("/api/ledgers")
    assert refused.status_code == 422
    assert refused.json()["errors"]["parameter"] == "idempotency_key"
    assert listed.json() == []


async def test_a_body_over_the_limit_is_413_in_mts_shape(http_base: str, pool: asyncpg.Pool) -> None:
    organization = await new_organization(pool)
    huge = '{"name": "' + "x" * limits.http_body_bytes_max + '"}'
    async with httpx.AsyncClient(base_url=http_base, auth=(organization.name, organization.api_key)) as curl:
        refused = await curl.post("/api/ledgers", content=huge, headers=HEADERS)
        listed = await curl.get("/api/ledgers")
    assert refused.status_code == 413
    assert refused.json()["errors"]["code"] == "parameter_invalid"
    assert listed.json() == []
