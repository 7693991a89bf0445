"""One lease against the pool, the gateway address and the catalogue (_lease_checks)."""

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._lease_checks import LENT, lease_problems, port_problems
from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import LeaseError, allocate, validate_leases

POOL = ["198.51.100.40", "198.51.100.41"]
GATEWAY = "198.51.100.20"
RESTORE = "restore the lease file from git; ipv4_lending writes it"


def lease(**changes):
    out = {"address": "198.51.100.40", "customer": "alice", "vm": "alice-web", "proto": "smtp",
           "ports": [{"transport": "tcp", "port": 25}], "data_ports": None, "state": "active",
           "since": "2026-12-02T16:47:45Z", "expires": None}
    out.update(changes)
    return out


def test_a_lease_as_ipv4_lease_writes_it_is_sane():
    assert lease_problems(lease(), POOL, GATEWAY) == []
    assert lease_problems(lease(proto="custom", ports=[{"transport": "udp", "port": 5353}, {"transport": "tcp", "port": 5353}]),
                          POOL, GATEWAY) == []
    assert lease_problems(lease(proto="ftp", ports=[{"transport": "tcp", "port": 21}], data_ports=[30000, 30009]), POOL) == []
    assert lease_problems(lease(state="draining", expires="2026-12-02T17:00:00Z"), POOL, GATEWAY) == []


@pytest.mark.parametrize("changes, expected", [
    ({"address": "198.51.100.99"}, [("address", "198.51.100.99 is outside the lending pool (198.51.100.40, 198.51.100.41)",
                                     "remove the lease (ipv4_lending leases the demand again from the pool), "
                                     "or add the address to v6only_gateway.lending_pool if the provider lends it")]),
    ({"address": GATEWAY}, [("address", "198.51.100.20 is gateway_ipv4, which is never lent",
                             "remove the lease; ipv4_lending leases the demand again from v6only_gateway.lending_pool")]),
    ({"address": "198.51.100.400"}, [("address", "'198.51.100.400' is not an IPv4 address", RESTORE)]),
    ({"ports": [{"transport": "udp", "port": 25}]}, [("ports", "udp/25 is not the port smtp is lent on (tcp/25)", RESTORE)]),
    ({"ports": [{"transport": "tcp", "port": 0}]}, [("ports[0]", "{'port': 0, 'transport': 'tcp'} is not a tcp or udp port 1-65535",
                                                     RESTORE)]),
    ({"ports": []}, [("ports", "[] is not a list of {transport, port}", RESTORE)]),
    ({"data_ports": [30000, 30009]}, [("data_ports", "smtp has no passive range, but the lease gives [30000, 30009]",
                                       "set data_ports: null; " + RESTORE)]),
    ({"proto": "ftp", "ports": [{"transport": "tcp", "port": 21}]}, [
        ("data_ports", "None is not the passive range [first, last] ftp needs", RESTORE)]),
    ({"proto": "dns"}, [("proto", "'dns' is not a protocol the gateway lends addresses for",
                         "leases are for: " + ", ".join(LENT) + "; " + RESTORE)]),
    ({"state": "held"}, [("state", "'held' is not a lease state", "use one of: active, draining")]),
    ({"state": "draining"}, [("expires", "a draining lease needs the time its address is freed, not None",
                              "set expires like 2026-01-31T12:00:00Z, or set state: active")]),
    ({"expires": "2026-12-02T17:00:00Z"}, [("expires", "an active lease has no expiry, but it says '2026-12-02T17:00:00Z'",
                                            "remove expires, or set state: draining")]),
    ({"since": "yesterday"}, [("since", "'yesterday' is not a UTC time like 2026-01-31T12:00:00Z", RESTORE)]),
    ({"vm": "alice-web\n"}, [("vm", "'alice-web\\n' contains the control character U+000A",
                              "remove it: every value is one line of printable text, with no trailing newline "
                              "(use `key: value`, not a `|` block)")]),
    ({"adress": "x"}, [("adress", "unknown key", "did you mean `address`? Otherwise remove it; known options: address, "
                                                 "customer, vm, proto, ports, data_ports, state, since, expires")]),
    ({"vm": None}, [("vm", "missing", RESTORE)]),
])
def test_every_fault_names_its_field_and_fix(changes, expected):
    assert lease_problems(lease(**changes), POOL, GATEWAY) == expected


def test_without_a_pool_only_the_gateway_is_refused():
    assert lease_problems(lease(address="198.51.100.99"), None, GATEWAY) == []
    assert lease_problems(lease(address=GATEWAY), None, GATEWAY)[0][0] == "address"


def test_a_demand_off_the_catalogue_is_refused_before_anything_is_allocated():
    demand = {"customer": "alice", "vm": "alice-web", "proto": "smtp", "ports": [{"transport": "tcp", "port": 2525}]}
    assert port_problems(demand) == [("ports", "tcp/2525 is not the port smtp is lent on (tcp/25)", RESTORE)]
    with pytest.raises(LeaseError, match="field 'ports': tcp/2525 is not the port smtp is lent on"):
        allocate([], [demand], POOL, 1_700_000_000, 300)


def test_the_allocator_refuses_a_lease_outside_its_pool_and_the_reader_does_not_know_the_pool():
    leases = [lease(address="198.51.100.99")]
    assert validate_leases(leases) == leases
    with pytest.raises(LeaseError, match=r"leases\[0\] \(customer 'alice', vm 'alice-web', proto 'smtp'\), field 'address': "
                                         r"198.51.100.99 is outside the lending pool"):
        allocate(leases, [], POOL, 1_700_000_000, 300)
