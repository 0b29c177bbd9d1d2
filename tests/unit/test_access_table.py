"""The access table (api/access.py) covers every RPC of the protos, and every field path in it names
string ids of the method's request; the roles nest (reader < authorizer < writer < admin)."""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from ledgerd.server.api.access import METHOD_ACCESS
from ledgerd.server.app import SERVICE_NAMES
from ledgerd.server.domain.roles import Role
from ledgerd.v1 import audit_pb2, balance_pb2, event_pb2, hold_pb2, ledger_pb2, monitor_pb2, transaction_pb2

FILES = (audit_pb2, balance_pb2, event_pb2, hold_pb2, ledger_pb2, monitor_pb2, transaction_pb2)


def rpcs() -> dict[str, Descriptor]:
    """Full method name -> request type, walking every service of every proto file."""
    found = {}
    for module in FILES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                found[f"/{service.full_name}/{method.name}"] = method.input_type
    return found


def test_the_services_walked_are_all_those_the_server_serves() -> None:
    assert {name.rpartition("/")[0].strip("/") for name in rpcs()} == set(SERVICE_NAMES)


def test_every_rpc_has_an_entry_and_every_entry_an_rpc() -> None:
    methods = rpcs()
    assert sorted(set(methods) - set(METHOD_ACCESS)) == [], "RPCs without a role in api/access.py"
    assert sorted(set(METHOD_ACCESS) - set(methods)) == [], "entries of api/access.py that are no RPC"


def resolve(message: Descriptor, path: str) -> FieldDescriptor:
    field = message.fields_by_name[path.split(".")[0]]
    for name in path.split(".")[1:]:
        assert field.message_type is not None, f"{path}: {field.name} is no message"
        field = field.message_type.fields_by_name[name]
    return field


@pytest.mark.parametrize("method", sorted(rpcs()))
def test_scope_paths_name_string_ids_and_response_paths_objects_with_their_ledger(method: str) -> None:
    access, request = METHOD_ACCESS[method], rpcs()[method]
    for path, _kind in access.scope:
        assert resolve(request, path).type == FieldDescriptor.TYPE_STRING, path
        assert path.rsplit(".", 1)[-1].endswith(("id", "ids")), path
    response_type = next(
        service.methods_by_name[method.rpartition("/")[2]].output_type
        for file in FILES
        for service in file.DESCRIPTOR.services_by_name.values()
        if f"/{service.full_name}/" in method
    )
    for path, _kind in access.made:
        made = resolve(response_type, path)
        assert made.message_type is not None and {"id", "ledger_id"} <= set(made.message_type.fields_by_name), path
    if access.rows is not None:
        response = next(
            service.methods_by_name[method.rpartition("/")[2]].output_type
            for file in FILES
            for service in file.DESCRIPTOR.services_by_name.values()
            if f"/{service.full_name}/" in method
        )
        rows = response.fields_by_name[access.rows]
        assert rows.is_repeated and rows.message_type is not None
        assert {"ledger_id", "id"} & set(rows.message_type.fields_by_name)


def test_writes_need_more_than_a_reader_and_the_audit_trail_an_admin() -> None:
    assert METHOD_ACCESS["/ledgerd.v1.AuditService/ListAuditEvents"].role is Role.ADMIN
    for method, access in METHOD_ACCESS.items():
        name = method.rpartition("/")[2]
        if method.startswith("/ledgerd.v1.AuditService/"):
            continue
        if name.startswith(("Get", "List", "Watch")):
            assert access.role is Role.READER, method
        elif method.startswith("/ledgerd.v1.HoldService/"):
            assert access.role is Role.AUTHORIZER, method
        else:
            assert access.role is Role.WRITER, method


def test_roles_nest() -> None:
    order = [Role.READER, Role.AUTHORIZER, Role.WRITER, Role.ADMIN]
    for low, role in enumerate(order):
        assert [role.may(other) for other in order] == [high <= low for high in range(len(order))]
