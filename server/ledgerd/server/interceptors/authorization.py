"""Authorization, run by the authentication interceptor once it knows the key (one wrapper on the
call's path for both): the key's role must allow the method and, for a key confined to ledgers, the
request must name its ledgers only (docs/security.md). The one place that decides; the table it
reads is api/access.py. A refusal is PERMISSION_DENIED, before the handler runs, so it writes
nothing; it is logged with the key id (never the key), not stored."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from google.protobuf.message import Message

from ledgerd.server.api.access import METHOD_ACCESS, Access
from ledgerd.server.core.api_keys import ApiKey
from ledgerd.server.core.scopes import LedgerScopes
from ledgerd.server.domain.errors import ErrorReason, PermissionDenied
from ledgerd.server.interceptors.errors import abort
from ledgerd.server.interceptors.wrapping import Behavior, Context
from ledgerd.server.store.scopes import Kind

log = logging.getLogger(__name__)


def values_at(message: Message, path: str) -> Iterator[str]:
    """The strings at a dotted field path; a repeated field along it stands for each item."""
    name, _, rest = path.partition(".")
    value = getattr(message, name)
    for item in value if message.DESCRIPTOR.fields_by_name[name].is_repeated else (value,):
        if rest:
            yield from values_at(item, rest)
        elif item:
            yield item


def messages_at(message: Message, path: str) -> Iterator[Any]:
    """The messages at a dotted field path that are set (a oneof's other choice is not)."""
    name, _, rest = path.partition(".")
    if message.DESCRIPTOR.fields_by_name[name].is_repeated:
        items = list(getattr(message, name))
    else:
        items = [getattr(message, name)] if message.HasField(name) else []
    for item in items:
        if rest:
            yield from messages_at(item, rest)
        else:
            yield item


def named_ids(access: Access, request: Message) -> list[tuple[Kind, uuid.UUID]]:
    """The well-formed ids the request names (a malformed one names nothing: the handler refuses it)."""
    named = []
    for path, kind in access.scope:
        for text in values_at(request, path):
            try:
                named.append((kind, uuid.UUID(text)))
            except ValueError:
                continue
    return named


def keep_ledgers(items: Any, ledger_ids: frozenset[uuid.UUID]) -> None:
    """Removes from a repeated field the items of other ledgers."""
    kept = [item for item in items if uuid.UUID(ledger_of(item)) in ledger_ids]
    del items[:]
    items.extend(kept)


def ledger_of(item: Message) -> str:
    field = "ledger_id" if "ledger_id" in item.DESCRIPTOR.fields_by_name else "id"  # a Ledger is its own
    return str(getattr(item, field))


class Authorizer:
    """Decides every authenticated call; the authentication interceptor runs it (core of the one
    place where calls are allowed or refused)."""

    def __init__(self, scopes: LedgerScopes) -> None:
        self.scopes = scopes

    def call_of(self, method: str, streaming_requests: bool) -> AuthorizedCall:
        # A method the table does not know is nobody's (tests/unit/test_access_table.py keeps it whole).
        return AuthorizedCall(self, method, METHOD_ACCESS.get(method), streaming_requests)

    def remember_made(self, access: Access, api_key: ApiKey, response: Message) -> None:
        for path, kind in access.made:
            for made in messages_at(response, path):
                if made.id and made.ledger_id:  # a declined hold, say, made nothing
                    self.scopes.remember(kind, uuid.UUID(made.id), uuid.UUID(made.ledger_id), api_key.organization_id)

    async def allowed(self, method: str, access: Access | None, api_key: ApiKey, context: Context | None) -> Access:
        if access is None or not api_key.role.may(access.role):
            needed = "nobody" if access is None else f"at least {access.role.value}"
            await self._refuse(
                context,
                method,
                api_key,
                PermissionDenied(
                    ErrorReason.API_KEY_ROLE_FORBIDS_METHOD,
                    f"an API key of role {api_key.role.value} may not call {method} (it needs {needed})",
                    {"role": api_key.role.value},
                ),
            )
        assert access is not None
        return access

    async def in_scope(
        self, method: str, access: Access, api_key: ApiKey, request: Message, context: Context | None
    ) -> bool:
        """Refuses a call outside the key's ledgers; True when the response must be filtered."""
        if api_key.ledger_ids is None:
            return False
        if access.rows is not None and not named_ids(access, request):
            return True
        refusal = await self.scope_refusal(access, api_key, request)
        if refusal is not None:
            await self._refuse(context, method, api_key, refusal)
        return False

    async def scope_refusal(self, access: Access, api_key: ApiKey, request: Message) -> PermissionDenied | None:
        if api_key.ledger_ids is None:
            return None
        named = named_ids(access, request)
        if not named:
            return PermissionDenied(
                ErrorReason.LEDGER_OUTSIDE_API_KEY_SCOPE,
                "this API key is confined to some ledgers: the call must name one of them, or objects of them",
            )
        outside = await self.scopes.outside(named, api_key.organization_id, api_key.ledger_ids)
        if outside is None:
            return None
        kind, object_id = outside
        return PermissionDenied(
            ErrorReason.LEDGER_OUTSIDE_API_KEY_SCOPE,
            f"{kind.value} {object_id} is outside the ledgers this API key is confined to",
            {kind.value + "_id": str(object_id)},
        )

    async def _refuse(self, context: Context | None, method: str, api_key: ApiKey, refusal: PermissionDenied) -> None:
        log_refusal(method, api_key, refusal)
        if context is None:  # the HTTP API's call of a servicer in process: its error map answers
            raise refusal
        await abort(context, refusal)


class AuthorizedCall:
    """One call of `method`, allowed or refused for the key that authenticated it."""

    def __init__(self, authorizer: Authorizer, method: str, access: Access | None, streaming_requests: bool) -> None:
        self.authorizer, self.method, self.access, self.streaming_requests = (
            authorizer,
            method,
            access,
            streaming_requests,
        )

    async def unary(self, api_key: ApiKey, behavior: Behavior, request: Any, context: Context | None) -> Any:
        """`context` None: the HTTP API's call of the servicer in process, refused by raising."""
        authorizer, method = self.authorizer, self.method
        allowed = await authorizer.allowed(method, self.access, api_key, context)
        if api_key.ledger_ids is None:
            return await behavior(request, context)  # an unconfined key: nothing more to check
        if self.streaming_requests:
            checked = CheckedStream(authorizer, method, allowed, api_key, request)
            response = await behavior(checked.requests(), context)
            checked.raise_refusal()
            return response
        filtered = await authorizer.in_scope(method, allowed, api_key, request, context)
        response = await behavior(request, context)
        authorizer.remember_made(allowed, api_key, response)
        if filtered:
            assert allowed.rows is not None
            keep_ledgers(getattr(response, allowed.rows), api_key.ledger_ids)
        return response

    async def streaming(
        self, api_key: ApiKey, behavior: Behavior, request: Any, context: Context
    ) -> AsyncIterator[Any]:
        authorizer, method = self.authorizer, self.method
        allowed = await authorizer.allowed(method, self.access, api_key, context)
        if api_key.ledger_ids is None:
            async for response in behavior(request, context):
                yield response
            return
        if self.streaming_requests:
            checked = CheckedStream(authorizer, method, allowed, api_key, request)
            async for response in behavior(checked.requests(), context):
                authorizer.remember_made(allowed, api_key, response)
                yield response
            checked.raise_refusal()
            return
        await authorizer.in_scope(method, allowed, api_key, request, context)
        async for response in behavior(request, context):
            yield response


class CheckedStream:
    """A request stream checked message by message. A refused message is never handed over: the
    stream ends there for the handler (which answers what it already has, as when a client stops
    sending), and then the call ends PERMISSION_DENIED."""

    def __init__(
        self,
        authorizer: Authorizer,
        method: str,
        access: Access,
        api_key: ApiKey,
        requests: AsyncIterator[Message],
    ) -> None:
        self.authorizer, self.method, self.access, self.api_key = authorizer, method, access, api_key
        self._requests = requests
        self.refusal: PermissionDenied | None = None

    async def requests(self) -> AsyncIterator[Message]:
        async for request in self._requests:
            self.refusal = await self.authorizer.scope_refusal(self.access, self.api_key, request)
            if self.refusal is not None:
                log_refusal(self.method, self.api_key, self.refusal)
                return
            yield request

    def raise_refusal(self) -> None:
        if self.refusal is not None:
            raise self.refusal


def log_refusal(method: str, api_key: ApiKey, refusal: PermissionDenied) -> None:
    log.warning(
        "refused %s: api_key_id=%s role=%s reason=%s: %s",
        method,
        api_key.id,
        api_key.role.value,
        refusal.reason.value,
        refusal.message,
    )
