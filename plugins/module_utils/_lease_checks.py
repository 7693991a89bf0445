"""One IPv4 lease, checked before anything trusts it.

The lease file is reviewed like code, so it can be edited by hand or in a
pull request. A lease decides which address a customer's service listens on,
so a lease is sane only when its address is one the provider lends (in the
lending pool, never `gateway_ipv4`), its ports are the ones its protocol is
lent on (the catalogue's port; custom services their own), and its state is
`active`, or `draining` until `expires`. `lease_problems` gives every fault of
one lease as (field, problem, fix): the customer model reports them all,
named by index, and the allocator refuses the first, so nothing is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import CATALOGUE
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import did_you_mean, shown, strict_problems
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import LABEL, ipv4, is_int, is_list, kind, port_range

STATES = ("active", "draining")
LEASE_KEYS = ("address", "customer", "vm", "proto", "ports", "data_ports", "state", "since", "expires")
# What places a row; the file ipv4_lease writes always has every key.
REQUIRED = ("address", "vm", "proto", "state")
LENT = tuple(p for p, entry in CATALOGUE.items() if entry["routing"] == "lend")
RESTORE = "restore the lease file from git; ipv4_lending writes it"


def lease_problems(lease, pool=None, gateway_ipv4=None):
    """[(field, problem, fix)] for one lease; `pool` None (not known yet) skips the pool check."""
    if not isinstance(lease, Mapping):
        return [("(entry)", "is {0}, not a mapping".format(kind(lease)), "give each lease address, vm, proto and state")]
    problems = strict_problems(lease, top="(entry)")
    if problems:
        return problems
    for key in sorted((k for k in lease if k not in LEASE_KEYS), key=str):
        problems.append((str(key), "unknown key", did_you_mean(key, LEASE_KEYS)))
    problems.extend((key, "missing", RESTORE) for key in REQUIRED if lease.get(key) is None)
    problems.extend(_address_problems(lease.get("address"), pool, gateway_ipv4))
    for key in ("customer", "vm"):
        if lease.get(key) is not None and not (isinstance(lease[key], str) and LABEL.fullmatch(lease[key])):
            problems.append((key, "{0} is not a {1} name".format(shown(lease[key]), key), RESTORE))
    problems.extend(port_problems(lease))
    problems.extend(_state_problems(lease))
    return problems


def _address_problems(value, pool, gateway_ipv4):
    if value is None:
        return []
    address = ipv4(value)
    if address is None:
        return [("address", "{0} is not an IPv4 address".format(shown(value)), RESTORE)]
    if address == gateway_ipv4:
        return [("address", "{0} is gateway_ipv4, which is never lent".format(address),
                 "remove the lease; ipv4_lending leases the demand again from v6only_gateway.lending_pool")]
    if pool is not None and address not in pool:
        listed = ", ".join(pool[:4]) + (", …" if len(pool) > 4 else "") if pool else "empty"
        return [("address", "{0} is outside the lending pool ({1})".format(address, listed),
                 "remove the lease (ipv4_lending leases the demand again from the pool), "
                 "or add the address to v6only_gateway.lending_pool if the provider lends it")]
    return []


def port_problems(lease):
    """[(field, problem, fix)] when a lease's (or a lend demand's) ports are not those its protocol is lent on."""
    proto = lease.get("proto")
    if proto is None:
        return []
    if proto not in LENT:
        return [("proto", "{0} is not a protocol the gateway lends addresses for".format(shown(proto)),
                 "leases are for: " + ", ".join(LENT) + "; " + RESTORE)]
    problems = []
    ports = lease.get("ports")
    if ports is not None:
        problems.extend(_ports(proto, ports))
    wants_range = "data_ports" in CATALOGUE[proto]["needs"]
    data = lease.get("data_ports")
    if data is not None and not wants_range:
        problems.append(("data_ports", "{0} has no passive range, but the lease gives {1}".format(proto, shown(data)),
                         "set data_ports: null; " + RESTORE))
    elif wants_range and ports is not None and port_range(data) is None:
        problems.append(("data_ports", "{0} is not the passive range [first, last] {1} needs".format(shown(data), proto), RESTORE))
    return problems


def _ports(proto, ports):
    if not is_list(ports) or not ports:
        return [("ports", "{0} is not a list of {{transport, port}}".format(shown(ports)), RESTORE)]
    slots = []
    for i, entry in enumerate(ports):
        field = "ports[{0}]".format(i)
        if not isinstance(entry, Mapping) or set(entry) != {"transport", "port"}:
            return [(field, "{0} is not {{transport, port}}".format(shown(entry)), RESTORE)]
        if entry["transport"] not in ("tcp", "udp") or not (is_int(entry["port"]) and 1 <= entry["port"] <= 65535):
            return [(field, "{0} is not a tcp or udp port 1-65535".format(shown(entry)), RESTORE)]
        slots.append((entry["transport"], entry["port"]))
    if proto == "custom":
        return []
    want = [(CATALOGUE[proto]["transport"], CATALOGUE[proto]["port"])]
    if slots != want:
        return [("ports", "{0} is not the port {1} is lent on ({2}/{3})".format(
            ", ".join("{0}/{1}".format(*s) for s in slots[:4]), proto, want[0][0], want[0][1]), RESTORE)]
    return []


def _state_problems(lease):
    state = lease.get("state")
    if state is None:
        return []
    if state not in STATES:
        return [("state", "{0} is not a lease state".format(shown(state)), "use one of: " + ", ".join(STATES))]
    problems = []
    if lease.get("since") is not None and not _is_time(lease["since"]):
        problems.append(("since", "{0} is not a UTC time like 2026-01-31T12:00:00Z".format(shown(lease["since"])), RESTORE))
    expires = lease.get("expires")
    if state == "draining" and not _is_time(expires):
        problems.append(("expires", "a draining lease needs the time its address is freed, not {0}".format(shown(expires)),
                         "set expires like 2026-01-31T12:00:00Z, or set state: active"))
    elif state == "active" and expires is not None:
        problems.append(("expires", "an active lease has no expiry, but it says {0}".format(shown(expires)),
                         "remove expires, or set state: draining"))
    return problems


def _is_time(value):
    try:
        datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return False
    return True
