"""Event handlers and ledgerable events: a handler's definition (Modern Treasury's JSON shape) compiled
once into templates, and the small `{{ path }}` resolver that renders them against an event and
the accounts its variables found. Lookups only: no expressions, no code execution. Pure."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledgerd.server.domain import limits
from ledgerd.server.domain.balances import BalanceCondition, BalanceView, Direction, Status
from ledgerd.server.domain.errors import ErrorReason, FieldViolation, InvalidArgument
from ledgerd.server.domain.model import LedgerAccount
from ledgerd.server.domain.transactions import EntryRequest, check_entry_shape
from ledgerd.server.domain.validation import TIME_RANGE, Violations, time_in_range

LEDGERABLE_TYPE = "ledgerable_event"
EVENT_ROOT = "ledgerable_event"
VARIABLES_ROOT = "variables"

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
# One step of a path: a key of custom_data or metadata, a field name.
SEGMENT = re.compile(r"[A-Za-z0-9_\-]+")
VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")
AMOUNT = re.compile(r"[0-9]+")
# The fields of a variable's account a placeholder may name (besides metadata.<key>).
ACCOUNT_FIELDS = ("id", "ledger_id", "name", "description", "currency", "currency_exponent", "normal_balance")
CONDITION_FIELDS = {
    "pending_balance_amount": BalanceView.PENDING,
    "posted_balance_amount": BalanceView.POSTED,
    "available_balance_amount": BalanceView.AVAILABLE,
}
CONDITION_BOUNDS = ("gt", "gte", "lt", "lte", "eq")
# How a variable finds its account: by id, by name, or by metadata pairs (all must match).
QUERY_FIELDS = ("id", "name", "metadata")


@dataclass(frozen=True)
class LedgerEventHandler:
    """As stored: the definition in Modern Treasury's JSON shape; it never changes but for disabled_at."""

    id: uuid.UUID
    ledger_id: uuid.UUID
    name: str
    description: str
    conditions: dict[str, str]
    variables: dict[str, Any]
    ledger_transaction_template: dict[str, Any]
    metadata: dict[str, str]
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None = None


@dataclass(frozen=True)
class LedgerableEvent:
    id: uuid.UUID
    ledger_id: uuid.UUID
    name: str
    description: str
    custom_data: dict[str, Any]
    metadata: dict[str, str]
    ledger_event_handler_id: uuid.UUID
    ledger_transaction_id: uuid.UUID
    created_at: datetime


# --- templates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """A placeholder's path in canonical form: ("ledgerable_event", ...) or ("variables", name, ...)."""

    segments: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.segments)


class PathMissing(Exception):
    def __init__(self, path: Path, description: str) -> None:
        super().__init__(f"{path}: {description}")
        self.path = path
        self.description = description


@dataclass(frozen=True)
class Template:
    """A string split once into literal text and placeholders."""

    parts: tuple[str | Path, ...]

    @property
    def literal(self) -> str | None:
        """The text when it holds no placeholder."""
        if any(isinstance(part, Path) for part in self.parts):
            return None
        return "".join(str(part) for part in self.parts)

    def render(self, context: Mapping[str, Any]) -> str:
        return "".join(part if isinstance(part, str) else text_of(part, lookup(context, part)) for part in self.parts)


def lookup(context: Mapping[str, Any], path: Path) -> Any:
    value: Any = context
    for segment in path.segments:
        if not isinstance(value, Mapping) or segment not in value:
            raise PathMissing(path, "is missing")
        value = value[segment]
    return value


def text_of(path: Path, value: Any) -> str:
    """A value as placeholder text: strings as they are, integral numbers without a fraction."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    raise PathMissing(path, "is not a string, number or boolean" if value is not None else "is null")


def parse_template(
    violations: Violations, field: str, text: str, variables: frozenset[str], *, event_only: bool = False
) -> Template:
    """Checks every placeholder's path (known root, declared variable, known account field)."""
    if len(text) > limits.template_text_length_max:
        violations.add(field, f"is longer than {limits.template_text_length_max} characters (template_text_length_max)")
    if "\x00" in text:
        violations.add(field, "contains a NUL character")
    parts: list[str | Path] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        path = _parse_path(violations, field, match.group(1).strip(), variables, event_only)
        if path is not None:
            parts.append(path)
    parts.append(text[position:])
    literal_text = "".join(part for part in parts if isinstance(part, str))
    if "{{" in literal_text or "}}" in literal_text:
        violations.add(field, "has an unclosed placeholder")
    return Template(tuple(part for part in parts if part != ""))


def _parse_path(
    violations: Violations, field: str, text: str, variables: frozenset[str], event_only: bool
) -> Path | None:
    segments = tuple(text.split("."))
    if not all(SEGMENT.fullmatch(s) for s in segments):
        violations.add(field, f"placeholder {{{{{text}}}}} is not a dotted path of letters, digits, _ and -")
        return None
    root = segments[0]
    if root == EVENT_ROOT:
        rest = segments[1:]
        known = (
            (len(rest) == 1 and rest[0] in ("name", "description"))
            or (len(rest) >= 2 and rest[0] == "custom_data")
            or (len(rest) == 2 and rest[0] == "metadata")
        )
        if not known:
            violations.add(
                field,
                f"placeholder {{{{{text}}}}}: ledgerable_event has name, description, custom_data.*, metadata.*",
            )
            return None
        return Path(segments)
    if root == VARIABLES_ROOT:
        segments = segments[1:]  # the long form; without it, the tutorial's short form <variable>.<field>
    if event_only:
        violations.add(field, f"placeholder {{{{{text}}}}}: variable queries may use ledgerable_event paths only")
        return None
    if not segments or segments[0] not in variables:
        violations.add(field, f"placeholder {{{{{text}}}}} names no ledgerable_event path nor a declared variable")
        return None
    rest = segments[1:]
    if not ((len(rest) == 1 and rest[0] in ACCOUNT_FIELDS) or (len(rest) == 2 and rest[0] == "metadata")):
        violations.add(
            field, f"placeholder {{{{{text}}}}}: a variable has {', '.join(ACCOUNT_FIELDS)} and metadata.<key>"
        )
        return None
    return Path((VARIABLES_ROOT, *segments))


# --- compiled handlers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class VariableQuery:
    name: str
    field: str  # one of QUERY_FIELDS
    value: Template | None  # id and name
    metadata: tuple[tuple[str, Template], ...] = ()  # metadata: every pair must match


@dataclass(frozen=True)
class EntryTemplate:
    ledger_account_id: Template
    amount: Template
    direction: Template
    metadata: tuple[tuple[str, Template], ...]
    conditions: tuple[tuple[BalanceView, BalanceCondition], ...]


@dataclass(frozen=True)
class CompiledHandler:
    """A handler parsed once: what rendering an event needs, nothing parsed again."""

    id: uuid.UUID
    ledger_id: uuid.UUID
    variables: tuple[VariableQuery, ...]
    description: Template
    status: Template
    effective_at: Template
    metadata: tuple[tuple[str, Template], ...]
    entries: tuple[EntryTemplate, ...]


def check_condition(violations: Violations, conditions: Mapping[str, Any]) -> tuple[str, str]:
    """(field, value) of a handler's one condition."""
    field, operator, value = (str(conditions.get(k, "")) for k in ("field", "operator", "value"))
    segments = field.split(".")
    path_ok = all(SEGMENT.fullmatch(s) for s in segments) and (
        segments == [EVENT_ROOT, "name"]
        or (len(segments) >= 3 and segments[:2] == [EVENT_ROOT, "custom_data"])
        or (len(segments) == 3 and segments[:2] == [EVENT_ROOT, "metadata"])
    )
    if not path_ok:
        violations.add(
            "conditions.field",
            "must be ledgerable_event.name, ledgerable_event.custom_data.<key>... or ledgerable_event.metadata.<key>",
        )
    if operator != "equals":
        violations.add("conditions.operator", "must be equals")
    violations.text("conditions.value", value, limits.name_length_max, required=True)
    if "{{" in value or "}}" in value:
        violations.add("conditions.value", "must be a literal, without placeholders")
    return field, value


def compile_handler(handler: LedgerEventHandler) -> CompiledHandler:
    """INVALID_ARGUMENT listing every fault of the definition."""
    violations = Violations()
    check_condition(violations, handler.conditions)
    names = frozenset(handler.variables)
    if len(names) > limits.variables_per_handler_max:
        violations.add("variables", f"has more than {limits.variables_per_handler_max} (variables_per_handler_max)")
    variables = [_variable(violations, f"variables[{name}]", name, handler.variables[name]) for name in sorted(names)]
    template = handler.ledger_transaction_template
    field = "ledger_transaction_template"

    def parse(name: str, source: Mapping[str, Any], prefix: str) -> Template:
        return parse_template(violations, f"{prefix}.{name}", str(source.get(name, "")), names)

    def parse_metadata(source: Mapping[str, Any], prefix: str) -> tuple[tuple[str, Template], ...]:
        metadata = {str(k): str(v) for k, v in dict(source.get("metadata") or {}).items()}
        violations.metadata(f"{prefix}.metadata", {k: "" for k in metadata})
        return tuple((k, parse_template(violations, f"{prefix}.metadata[{k}]", v, names)) for k, v in metadata.items())

    description, status, effective_at = (parse(n, template, field) for n in ("description", "status", "effective_at"))
    literal_status = status.literal
    if literal_status and literal_status not in {s.value for s in Status}:
        violations.add(f"{field}.status", "must be pending, posted or archived (or a placeholder)")
    literal_time = effective_at.literal
    if literal_time and _datetime(literal_time) is None:
        violations.add(f"{field}.effective_at", "must be an RFC 3339 time with an offset (or a placeholder)")
    entries = []
    directions: list[Direction | None] = []
    for index, source in enumerate(
        list(template.get("ledger_entries") or [])[: limits.entries_per_transaction_max + 1]
    ):
        prefix = f"{field}.ledger_entries[{index}]"
        entry = EntryTemplate(
            ledger_account_id=parse("ledger_account_id", source, prefix),
            amount=parse("amount", source, prefix),
            direction=parse("direction", source, prefix),
            metadata=parse_metadata(source, prefix),
            conditions=_conditions(violations, source, prefix),
        )
        _check_literals(violations, entry, prefix)
        directions.append(_direction(entry.direction.literal))
        entries.append(entry)
    check_entry_shape(f"{field}.ledger_entries", directions, violations)
    violations.raise_if_any()
    return CompiledHandler(
        id=handler.id,
        ledger_id=handler.ledger_id,
        variables=tuple(variables),
        description=description,
        status=status,
        effective_at=effective_at,
        metadata=parse_metadata(template, field),
        entries=tuple(entries),
    )


def _variable(violations: Violations, field: str, name: str, source: Any) -> VariableQuery:
    if not VARIABLE_NAME.fullmatch(name) or len(name) > limits.name_length_max or name in (EVENT_ROOT, VARIABLES_ROOT):
        violations.add(
            field, "name must be a-z, 0-9 and _, start with a letter, and not be ledgerable_event or variables"
        )
    source = source if isinstance(source, Mapping) else {}
    if source.get("type") != "ledger_account":
        violations.add(f"{field}.type", "must be ledger_account")
    query = source.get("query") if isinstance(source.get("query"), Mapping) else {}
    query_field, operator, value = str(query.get("field", "")), str(query.get("operator", "")), query.get("value")
    prefix = f"{field}.query"
    if query_field == "metadata" or query_field.startswith("metadata."):
        pairs = value if query_field == "metadata" else {query_field.removeprefix("metadata."): value}
        wanted = "contains" if query_field == "metadata" else "equals"
        if operator != wanted:
            violations.add(f"{prefix}.operator", f"must be {wanted} for field {query_field}")
        if not isinstance(pairs, Mapping) or not pairs or not all(isinstance(v, str) for v in pairs.values()):
            violations.add(f"{prefix}.value", "must be a non-empty object of strings (or a string for metadata.<key>)")
            pairs = {}
        violations.metadata(f"{prefix}.value", {str(k): "" for k in pairs})
        metadata = tuple(
            (str(k), parse_template(violations, f"{prefix}.value[{k}]", str(v), frozenset(), event_only=True))
            for k, v in pairs.items()
        )
        return VariableQuery(name, "metadata", None, metadata)
    if query_field not in QUERY_FIELDS:
        violations.add(f"{prefix}.field", "must be id, name, metadata or metadata.<key>")
    if operator != "equals":
        violations.add(f"{prefix}.operator", "must be equals")
    if not isinstance(value, str) or not value:
        violations.add(f"{prefix}.value", "must be a non-empty string")
        value = ""
    template = parse_template(violations, f"{prefix}.value", value, frozenset(), event_only=True)
    if query_field == "id" and template.literal is not None and template.literal and not _is_uuid(template.literal):
        violations.add(f"{prefix}.value", "is not a UUID")
    return VariableQuery(name, query_field, template)


def _conditions(
    violations: Violations, source: Mapping[str, Any], prefix: str
) -> tuple[tuple[BalanceView, BalanceCondition], ...]:
    conditions = []
    for name, view in CONDITION_FIELDS.items():
        bounds = source.get(name)
        if not bounds:
            continue
        parsed: dict[str, int] = {}
        for bound in CONDITION_BOUNDS:
            if bound in bounds:
                try:
                    parsed[bound] = int(bounds[bound])
                except (TypeError, ValueError):
                    violations.add(f"{prefix}.{name}.{bound}", "must be an integer")
        if parsed:
            conditions.append((view, BalanceCondition(**parsed)))
    return tuple(conditions)


def _check_literals(violations: Violations, entry: EntryTemplate, prefix: str) -> None:
    """What can be told before any event: the literal values must be valid already."""
    account_id, amount, direction = entry.ledger_account_id.literal, entry.amount.literal, entry.direction.literal
    if account_id is not None and not _is_uuid(account_id):
        violations.add(f"{prefix}.ledger_account_id", "must be a UUID or a placeholder")
    if amount is not None and _amount(amount) is None:
        violations.add(f"{prefix}.amount", "must be an integer 1 ..= 2^63-1 or a placeholder")
    if direction is not None and _direction(direction) is None:
        violations.add(f"{prefix}.direction", "must be credit, debit or a placeholder")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _amount(text: str) -> int | None:
    if not AMOUNT.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= limits.amount_max else None


def _direction(text: str | None) -> Direction | None:
    return Direction(text) if text in ("credit", "debit") else None


def _datetime(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if time_in_range(value) else None


# --- rendering an event --------------------------------------------------------------------------


def event_context(
    name: str, description: str, custom_data: Mapping[str, Any], metadata: Mapping[str, str]
) -> dict[str, Any]:
    return {EVENT_ROOT: {"name": name, "description": description, "custom_data": custom_data, "metadata": metadata}}


def account_fields(account: LedgerAccount) -> dict[str, Any]:
    """What `variables.<name>.<field>` can name."""
    return {
        "id": str(account.id),
        "ledger_id": str(account.ledger_id),
        "name": account.name,
        "description": account.description,
        "currency": account.currency,
        "currency_exponent": account.currency_exponent,
        "normal_balance": account.normal_balance.value,
        "metadata": account.metadata,
    }


def condition_candidates(
    name: str, custom_data: Mapping[str, Any], metadata: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Every (condition field, value) an event offers: the keys the handlers' index is searched with."""
    candidates = [(f"{EVENT_ROOT}.name", name)]
    candidates += [(f"{EVENT_ROOT}.metadata.{k}", v) for k, v in metadata.items() if SEGMENT.fullmatch(k)]

    def leaves(prefix: str, value: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        for key, item in value.items():
            if not SEGMENT.fullmatch(key):
                continue
            if isinstance(item, Mapping):
                yield from leaves(f"{prefix}.{key}", item)
            elif isinstance(item, str | int | float | bool):
                path = f"{prefix}.{key}"
                yield path, text_of(Path(tuple(path.split("."))), item)

    candidates += leaves(f"{EVENT_ROOT}.custom_data", custom_data)
    return candidates


class _Refusal:
    """Collects what an event cannot fill in; refuses with the first fault's reason and every violation."""

    def __init__(self, handler: CompiledHandler) -> None:
        self.handler = handler
        self.violations: list[FieldViolation] = []
        self.first: tuple[ErrorReason, dict[str, str]] | None = None

    def add(
        self, reason: ErrorReason, field: str, description: str, template_field: str | None = None, **metadata: str
    ) -> None:
        """`field` names the offending value (a path of the event, or the template field itself)."""
        self.violations.append(FieldViolation(field, description))
        if self.first is None:
            self.first = (reason, {"template_field": template_field or field, **metadata})

    def render(self, template: Template, field: str, context: Mapping[str, Any]) -> str | None:
        try:
            return template.render(context)
        except PathMissing as missing:
            self.add(
                ErrorReason.TEMPLATE_PATH_MISSING,
                str(missing.path),
                f"{missing.description}: ledger event handler {self.handler.id} needs it for {field}",
                template_field=field,
                path=str(missing.path),
            )
            return None

    def raise_if_any(self) -> None:
        if self.first is not None:
            reason, metadata = self.first
            error = InvalidArgument(self.violations, reason)
            error.metadata.update(metadata, ledger_event_handler_id=str(self.handler.id))
            raise error


def render_queries(handler: CompiledHandler, context: Mapping[str, Any]) -> list[tuple[VariableQuery, Any]]:
    """Each variable with its query's value rendered: a string (id, name) or a dict (metadata)."""
    refusal = _Refusal(handler)
    rendered: list[tuple[VariableQuery, Any]] = []
    for variable in handler.variables:
        field = f"variables[{variable.name}].query.value"
        if variable.value is not None:
            rendered.append((variable, refusal.render(variable.value, field, context)))
        else:
            pairs = {k: refusal.render(t, f"{field}[{k}]", context) for k, t in variable.metadata}
            rendered.append((variable, pairs))
    refusal.raise_if_any()
    return rendered


@dataclass(frozen=True)
class RenderedTransaction:
    description: str
    status: Status
    effective_at: datetime | None
    metadata: dict[str, str]
    entries: tuple[EntryRequest, ...]


def render_transaction(
    handler: CompiledHandler, context: Mapping[str, Any], event_metadata: Mapping[str, str]
) -> RenderedTransaction:
    """The transaction of an event whose variables are found (context["variables"]). INVALID_ARGUMENT
    naming the handler and the template field (and path) of every value that cannot be filled in."""
    refusal = _Refusal(handler)
    field = "ledger_transaction_template"
    description = refusal.render(handler.description, f"{field}.description", context) or ""
    status_text = refusal.render(handler.status, f"{field}.status", context)
    status = Status.PENDING
    if status_text:
        if status_text in {s.value for s in Status}:
            status = Status(status_text)
        else:
            refusal.add(ErrorReason.TEMPLATE_VALUE_INVALID, f"{field}.status", f"{status_text!r} is not a status")
    effective_text = refusal.render(handler.effective_at, f"{field}.effective_at", context)
    effective_at = _datetime(effective_text) if effective_text else None
    if effective_text and effective_at is None:
        refusal.add(
            ErrorReason.TEMPLATE_VALUE_INVALID,
            f"{field}.effective_at",
            f"{effective_text!r} is not an RFC 3339 time with an offset, {TIME_RANGE}",
        )
    metadata = dict(event_metadata)
    for key, template in handler.metadata:
        metadata[key] = refusal.render(template, f"{field}.metadata[{key}]", context) or ""
    entries = []
    for index, entry in enumerate(handler.entries):
        prefix = f"{field}.ledger_entries[{index}]"
        account_text = refusal.render(entry.ledger_account_id, f"{prefix}.ledger_account_id", context)
        amount_text = refusal.render(entry.amount, f"{prefix}.amount", context)
        direction_text = refusal.render(entry.direction, f"{prefix}.direction", context)
        account_id = uuid.UUID(account_text) if account_text is not None and _is_uuid(account_text) else None
        if account_text is not None and account_id is None:
            refusal.add(
                ErrorReason.TEMPLATE_VALUE_INVALID, f"{prefix}.ledger_account_id", f"{account_text!r} is not a UUID"
            )
        amount = _amount(amount_text) if amount_text is not None else None
        if amount_text is not None and amount is None:
            refusal.add(
                ErrorReason.TEMPLATE_AMOUNT_INVALID,
                f"{prefix}.amount",
                f"{amount_text!r} is not an integer 1 ..= 2^63-1",
                value=amount_text[:100],
            )
        direction = _direction(direction_text)
        if direction_text is not None and direction is None:
            refusal.add(
                ErrorReason.TEMPLATE_VALUE_INVALID, f"{prefix}.direction", f"{direction_text!r} is not credit or debit"
            )
        entry_metadata = {k: refusal.render(t, f"{prefix}.metadata[{k}]", context) or "" for k, t in entry.metadata}
        if account_id is not None and amount is not None and direction is not None:
            entries.append(
                EntryRequest(account_id, direction, amount, conditions=entry.conditions, metadata=entry_metadata)
            )
    if len(description) > limits.description_length_max:
        refusal.add(
            ErrorReason.TEMPLATE_VALUE_INVALID,
            f"{field}.description",
            f"renders longer than {limits.description_length_max} characters (description_length_max)",
        )
    if len(metadata) > limits.metadata_keys_max or any(
        len(v) > limits.metadata_value_length_max for v in metadata.values()
    ):
        refusal.add(
            ErrorReason.TEMPLATE_VALUE_INVALID,
            f"{field}.metadata",
            f"renders over {limits.metadata_keys_max} keys or a value over {limits.metadata_value_length_max} chars",
        )
    refusal.raise_if_any()
    return RenderedTransaction(description, status, effective_at, metadata, tuple(entries))
