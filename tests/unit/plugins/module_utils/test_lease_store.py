"""Unit and property tests for the IPv4 lending allocator in module_utils/_lease_store.py."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import (
    LeaseError,
    allocate,
    epoch,
    iso,
    validate_leases,
)
from ansible_collections.v6only.gateway.plugins.module_utils._lease_report import format_report, forwards, report

POOL = ["198.51.100.104", "198.51.100.105", "198.51.100.106", "198.51.100.107"]
NOW = 1_700_000_000
GRACE = 300


def demand(vm, proto, *ports, customer=None, transport="tcp", data_ports=None):
    result = {"customer": customer or vm.split("-")[0], "vm": vm, "proto": proto,
              "ports": [{"transport": transport, "port": p} for p in ports]}
    if data_ports:
        result["data_ports"] = data_ports
    return result


def slots(leases):
    """Every (address, transport, port) a lease list holds, with the holder."""
    taken = []
    for lease in leases:
        for entry in lease["ports"]:
            taken.append(((lease["address"], entry["transport"], entry["port"]), (lease["vm"], lease["proto"])))
        if lease.get("data_ports"):
            first, last = lease["data_ports"]
            taken += [((lease["address"], "tcp", p), (lease["vm"], lease["proto"])) for p in range(first, last + 1)]
    return taken


def test_bob_smtp_and_alice_pop3_stack_on_one_address():
    leases, changes = allocate([], [demand("bob-mail", "smtp", 25), demand("alice-mail", "pop3", 110)], POOL, NOW, GRACE)
    assert {lease["address"] for lease in leases} == {"198.51.100.104"}
    assert changes["created"] == ["alice-mail/pop3@198.51.100.104", "bob-mail/smtp@198.51.100.104"]
    assert all(lease["state"] == "active" and lease["since"] == iso(NOW) for lease in leases)


def test_same_port_takes_the_next_address():
    leases, _ = allocate([], [demand("a-1", "smtp", 25), demand("b-1", "smtp", 25), demand("c-1", "pop3", 110)],
                         POOL, NOW, GRACE)
    where = {lease["vm"]: lease["address"] for lease in leases}
    assert where == {"a-1": "198.51.100.104", "b-1": "198.51.100.105", "c-1": "198.51.100.104"}


def test_second_run_keeps_everything():
    demands = [demand("bob-mail", "smtp", 25), demand("alice-mail", "pop3", 110)]
    first, _ = allocate([], demands, POOL, NOW, GRACE)
    second, changes = allocate(first, demands, POOL, NOW + 10, GRACE)
    assert second == first
    assert changes["created"] == changes["draining"] == changes["freed"] == []
    assert len(changes["kept"]) == 2


def test_removed_demand_drains_for_the_grace_then_is_freed():
    demands = [demand("bob-mail", "smtp", 25), demand("alice-mail", "pop3", 110)]
    leases, _ = allocate([], demands, POOL, NOW, GRACE)
    draining, changes = allocate(leases, demands[:1], POOL, NOW + 1, GRACE)
    alice = next(lease for lease in draining if lease["vm"] == "alice-mail")
    assert changes["draining"] == ["alice-mail/pop3@198.51.100.104"]
    assert alice["state"] == "draining" and epoch(alice["expires"]) == NOW + 1 + GRACE
    still, changes = allocate(draining, demands[:1], POOL, NOW + GRACE, GRACE)
    assert still == draining and changes["freed"] == [] and changes["draining"] == []
    freed, changes = allocate(still, demands[:1], POOL, NOW + 1 + GRACE, GRACE)
    assert changes["freed"] == ["alice-mail/pop3@198.51.100.104"]
    assert [lease["vm"] for lease in freed] == ["bob-mail"]


def test_draining_ports_stay_held_and_a_returning_demand_revives_in_place():
    leases, _ = allocate([], [demand("a-1", "smtp", 25)], POOL, NOW, GRACE)
    leases, _ = allocate(leases, [demand("b-1", "smtp", 25)], POOL, NOW + 1, GRACE)
    assert {lease["vm"]: lease["address"] for lease in leases} == {"a-1": "198.51.100.104", "b-1": "198.51.100.105"}
    leases, changes = allocate(leases, [demand("a-1", "smtp", 25), demand("b-1", "smtp", 25)], POOL, NOW + 2, GRACE)
    assert changes["kept"] == ["a-1/smtp@198.51.100.104", "b-1/smtp@198.51.100.105"]
    assert all(lease["state"] == "active" and lease["expires"] is None for lease in leases)


def test_exhausted_pool_names_every_unplaced_demand():
    demands = [demand(f"v{i}-vm", "smtp", 25, customer=f"c{i}") for i in range(6)]
    with pytest.raises(LeaseError) as error:
        allocate([], demands, POOL, NOW, GRACE)
    message = str(error.value)
    assert "exhausted" in message and "Nothing was changed" in message
    assert "customer 'c4', vm 'v4-vm', proto 'smtp'" in message
    assert "customer 'c5', vm 'v5-vm', proto 'smtp'" in message
    assert "'c3'" not in message


def test_ftp_data_ports_are_held_and_may_not_overlap():
    ftp = demand("a-1", "ftp", 21, data_ports=[30000, 30009])
    other = demand("b-1", "ftp", 21, data_ports=[30005, 30014])
    leases, _ = allocate([], [ftp, other], POOL, NOW, GRACE)
    assert [lease["address"] for lease in leases] == ["198.51.100.104", "198.51.100.105"]
    assert leases[0]["data_ports"] == [30000, 30009]


def test_changed_ports_are_refitted_on_the_same_address():
    leases, _ = allocate([], [demand("a-1", "custom", 5432), demand("b-1", "smtp", 25)], POOL, NOW, GRACE)
    leases, _ = allocate(leases, [demand("a-1", "custom", 5433), demand("b-1", "smtp", 25)], POOL, NOW, GRACE)
    assert leases[0]["ports"] == [{"transport": "tcp", "port": 5433}]
    with pytest.raises(LeaseError, match="clashes"):
        allocate(leases, [demand("a-1", "custom", 25), demand("b-1", "smtp", 25)], POOL, NOW, GRACE)


@pytest.mark.parametrize("bad, message", [
    ({"leases": "x"}, "must be a list"),
    ([{"address": "300.1.1.1", "customer": "a", "vm": "a", "proto": "smtp", "ports": [{"transport": "tcp", "port": 25}],
       "state": "active", "since": iso(NOW)}], "not an IPv4 address"),
    ([{"address": "198.51.100.104", "customer": "a", "vm": "a", "proto": "smtp",
       "ports": [{"transport": "tcp", "port": 25}], "state": "gone", "since": iso(NOW)}], "state 'gone'"),
    ([{"address": "198.51.100.104", "customer": "a", "vm": "a", "proto": "smtp",
       "ports": [{"transport": "tcp", "port": 25}], "state": "draining", "since": iso(NOW)}], "expires"),
    ([{"address": "198.51.100.104", "vm": "a"}], "lacks"),
    ([{"address": "198.51.100.104", "customer": "a", "vm": "a", "proto": "smtp", "colour": "red",
       "ports": [{"transport": "tcp", "port": 25}], "state": "active", "since": iso(NOW)}], "unknown keys colour"),
])
def test_broken_state_is_refused(bad, message):
    with pytest.raises(LeaseError, match=message):
        validate_leases(bad["leases"] if isinstance(bad, dict) else bad)


def test_double_allocation_in_the_state_file_is_refused():
    leases, _ = allocate([], [demand("a-1", "smtp", 25), demand("b-1", "smtp", 25)], POOL, NOW, GRACE)
    leases[1]["address"] = leases[0]["address"]
    with pytest.raises(LeaseError, match="also held by"):
        validate_leases(leases)


def test_report_counts_addresses_freed_per_protocol():
    demands = [demand("a-1", "smtp", 25), demand("b-1", "smtp", 25), demand("c-1", "pop3", 110),
               demand("d-1", "imap", 143)]
    leases, _ = allocate([], demands, POOL, NOW, GRACE)
    leases, _ = allocate(leases, demands[:3], POOL, NOW + 1, GRACE)
    summary = report(leases, POOL)
    # .104 holds smtp+pop3 (+ draining imap), .105 only smtp: teaching smtp frees one address.
    assert summary["would_free"] == {"pop3": 0, "smtp": 1}
    assert summary["draining"] == [{"address": "198.51.100.104", "customer": "d", "vm": "d-1", "proto": "imap",
                                    "expires": iso(NOW + 1 + GRACE)}]
    assert summary["free"] == ["198.51.100.106", "198.51.100.107"]
    text = format_report(summary)
    assert "198.51.100.104" in text and "draining until" in text and "smtp" in text


def test_forwards_follow_rows_and_drop_leases_without_a_backend():
    leases, _ = allocate([], [demand("bob-mail", "smtp", 25), demand("alice-mail", "pop3", 110)], POOL, NOW, GRACE)
    rows = [{"vm": "bob-mail", "proto": "smtp", "listen_port": 25, "backend_port": 2525,
             "backend_ipv6": "2001:db8:109::b1", "proxy_protocol": True}]
    result = forwards(leases, rows)
    assert result == [{
        "name": "bob-mail-smtp-tcp-25", "address": "198.51.100.104", "transport": "tcp", "port": 25,
        "backend_ipv6": "2001:db8:109::b1", "backend_port": 2525, "proxy_protocol": True, "data_ports": None,
        "state": "active", "customer": "bob", "vm": "bob-mail", "proto": "smtp",
    }]


# Property tests: random demand sets, removed and re-added over several runs.
names = st.sampled_from([f"vm{i}" for i in range(8)])
protos = st.sampled_from([("smtp", 25), ("submission", 587), ("imap", 143), ("pop3", 110), ("custom", 5432)])
demand_sets = st.lists(st.tuples(names, protos), unique_by=lambda t: (t[0], t[1][0]), max_size=14).map(
    lambda items: [demand(vm, proto, port, customer=f"c-{vm}") for vm, (proto, port) in items]
)


def run(history, pool=POOL, grace=GRACE):
    """Apply each demand set in turn, 100 s apart; yield one tuple per run that fits the pool."""
    leases = []
    for step, demands in enumerate(history):
        now = NOW + 100 * step
        try:
            after, changes = allocate(leases, demands, pool, now, grace)
        except LeaseError:
            continue
        yield leases, after, changes, demands, now
        leases = after


def lease_id(lease):
    return f"{lease['vm']}/{lease['proto']}@{lease['address']}"


@settings(max_examples=200, deadline=None)
@given(st.lists(demand_sets, min_size=1, max_size=5))
def test_property_an_existing_lease_never_moves(history):
    for before, after, *_ in run(history):
        old = {(lease["vm"], lease["proto"]): lease["address"] for lease in before}
        for lease in after:
            assert old.get((lease["vm"], lease["proto"]), lease["address"]) == lease["address"]


@settings(max_examples=200, deadline=None)
@given(st.lists(demand_sets, min_size=1, max_size=5))
def test_property_no_slot_is_given_to_two_vms(history):
    for _, after, _, demands, _ in run(history):
        taken = slots(after)
        assert len({slot for slot, _ in taken}) == len(taken)
        assert {(d["vm"], d["proto"]) for d in demands} <= {(lease["vm"], lease["proto"]) for lease in after}
        validate_leases(after)


@settings(max_examples=200, deadline=None)
@given(demand_sets)
def test_property_stacking_fills_an_address_before_taking_a_new_one(demands):
    try:
        leases, _ = allocate([], demands, POOL, NOW, GRACE)
    except LeaseError:
        return
    used = sorted({lease["address"] for lease in leases}, key=POOL.index)
    # Fresh allocation uses a prefix of the pool, and no more addresses than the
    # busiest (transport, port) needs: any fewer would put two VMs on one slot.
    assert used == POOL[:len(used)]
    busiest = max([sum(1 for d in demands if d["ports"] == e["ports"]) for e in demands], default=0)
    assert len(used) == busiest


@settings(max_examples=200, deadline=None)
@given(demand_sets, st.integers(min_value=1, max_value=4))
def test_property_exhaustion_is_an_error_never_a_partial_result(demands, size):
    pool = POOL[:size]
    busiest = max([sum(1 for d in demands if d["ports"] == e["ports"]) for e in demands], default=0)
    if busiest > size:
        with pytest.raises(LeaseError, match="exhausted"):
            allocate([], demands, pool, NOW, GRACE)
    else:
        leases, _ = allocate([], demands, pool, NOW, GRACE)
        assert len(leases) == len(demands)


@settings(max_examples=200, deadline=None)
@given(st.lists(demand_sets, min_size=2, max_size=6), st.integers(min_value=1, max_value=250))
def test_property_a_removed_lease_drains_for_the_grace_before_it_is_freed(history, grace):
    drain_started = {}
    for before, after, changes, demands, now in run(history, grace=grace):
        wanted = {(d["vm"], d["proto"]) for d in demands}
        for lease in before:
            if (lease["vm"], lease["proto"]) not in wanted and lease["state"] == "active":
                assert lease_id(lease) in changes["draining"], "a removed demand must drain, not vanish"
        for lease in after:
            if lease_id(lease) in changes["draining"]:
                assert epoch(lease["expires"]) == now + grace
                drain_started[lease_id(lease)] = now
            if lease["state"] == "active":
                drain_started.pop(lease_id(lease), None)
        for freed in changes["freed"]:
            assert freed in drain_started, "freed without draining first"
            assert now >= drain_started.pop(freed) + grace, "freed before the grace period ended"
            assert freed not in {lease_id(lease) for lease in after}


def test_lab_lend_demands_lease_and_forward_to_their_rows(lab_model):
    """Contract: the model's lend demands and rows, as ipv4_lending passes them, give one listener per leased port."""
    rows = lab_model["tables"]["ipv4_lending"]
    leases, changes = allocate([], lab_model["lend_demands"], lab_model["settings"]["lending_pool"], NOW, GRACE)
    assert len(changes["created"]) == len(lab_model["lend_demands"]) > 0
    listeners = forwards(leases, rows)
    by_row = {(r["vm"], r["proto"]): r for r in rows}
    assert {(x["vm"], x["proto"]) for x in listeners} == set(by_row)
    for listener in listeners:
        row = by_row[(listener["vm"], listener["proto"])]
        assert listener["backend_ipv6"] == row["backend_ipv6"]
        assert listener["proxy_protocol"] == row["proxy_protocol"]
        assert listener["address"] in lab_model["settings"]["lending_pool"]
