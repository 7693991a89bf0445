"""IPv4 lending: who holds which shelf address, and what a run changes.

Pure functions with no Ansible imports: the one definition of a lease's
schema, its states and the pool check. The module `ipv4_lease`, the customer
model (`active_leases`, `pool_problems`) and `_lease_report` (the filter
`lease_forwards` and the `make leases` report) share them.

A lease is one (vm, proto) pair on one pool address:
    {address, customer, vm, proto, ports: [{transport, port}], data_ports,
     state: active|draining, since, expires}
`since` and `expires` are ISO 8601 UTC strings so the state file reads well
in review; `expires` is set only while draining.

A demand is what the customer model asks for (model.lend_demands):
    {customer, vm, proto, ports: [{transport, port}], data_ports (optional)}

Every refusal is a LeaseError whose message names the customer, VM and
protocol and says what to do.
"""

import datetime
import ipaddress
from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._lease_checks import STATES, lease_problems, port_problems
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import ipv4, is_list, kind

TRANSPORTS = ("tcp", "udp")
CHANGE_KINDS = ("created", "kept", "draining", "freed")
_LEASE_KEYS = {"address", "customer", "vm", "proto", "ports", "data_ports", "state", "since", "expires"}


class LeaseError(ValueError):
    """A lease state or demand the allocator refuses; the message says how to fix it."""


def iso(epoch):
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text, where="timestamp"):
    try:
        value = datetime.datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise LeaseError(f"{where} {text!r} is not an ISO 8601 UTC time like 2025-01-31T12:00:00Z") from None
    return int(value.replace(tzinfo=datetime.timezone.utc).timestamp())


def _who(item):
    return f"customer {item.get('customer')!r}, vm {item.get('vm')!r}, proto {item.get('proto')!r}"


def _ports(item, where):
    """The (transport, port) pairs an item occupies on its address, data ports included."""
    taken = set()
    for entry in item.get("ports") or []:
        if not isinstance(entry, dict) or entry.get("transport") not in TRANSPORTS:
            raise LeaseError(f"{where}: port entry {entry!r} needs transport tcp or udp")
        port = entry.get("port")
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise LeaseError(f"{where}: port {port!r} is not a port number 1-65535")
        taken.add((entry["transport"], port))
    data = item.get("data_ports")
    if data:
        if not (isinstance(data, (list, tuple)) and len(data) == 2 and all(isinstance(p, int) for p in data)
                and 1 <= data[0] <= data[1] <= 65535):
            raise LeaseError(f"{where}: data_ports {data!r} must be [first, last] with first <= last")
        taken.update(("tcp", p) for p in range(data[0], data[1] + 1))
    if not taken:
        raise LeaseError(f"{where}: no ports to lend")
    return taken


def _normal_ports(item):
    return sorted(({"transport": t, "port": p} for t, p in {(e["transport"], e["port"]) for e in item["ports"]}),
                  key=lambda e: (e["transport"], e["port"]))


def validate_leases(leases, where="state file", pool=None, gateway_ipv4=None):
    """Check a parsed state file's lease list; raise LeaseError naming the first bad entry.

    With `pool` (the allocator's), every address must also lie in it and none be `gateway_ipv4`.
    """
    if not isinstance(leases, list):
        raise LeaseError(f"{where}: 'leases' must be a list, found {type(leases).__name__}")
    seen = {}
    held = {}
    for index, lease in enumerate(leases):
        at = f"{where}: leases[{index}]"
        if not isinstance(lease, dict):
            raise LeaseError(f"{at} must be a mapping, found {type(lease).__name__}")
        missing = {"address", "customer", "vm", "proto", "ports", "state", "since"} - set(lease)
        if missing:
            raise LeaseError(f"{at} ({_who(lease)}) lacks {', '.join(sorted(missing))}")
        unknown = set(lease) - _LEASE_KEYS
        if unknown:
            raise LeaseError(f"{at} ({_who(lease)}) has unknown keys {', '.join(sorted(unknown))}")
        at = f"{at} ({_who(lease)})"
        try:
            address = ipaddress.IPv4Address(str(lease["address"]))
        except ValueError:
            raise LeaseError(f"{at}: address {lease['address']!r} is not an IPv4 address") from None
        if lease["state"] not in STATES:
            raise LeaseError(f"{at}: state {lease['state']!r} must be one of {', '.join(STATES)}")
        epoch(lease["since"], f"{at}: since")
        if lease["state"] == "draining":
            epoch(lease.get("expires"), f"{at}: expires")
        elif lease.get("expires") is not None:
            raise LeaseError(f"{at}: an active lease has no expires; remove it or set state: draining")
        for field, problem, fix in lease_problems(lease, pool, gateway_ipv4)[:1]:
            raise LeaseError(f"{at}, field '{field}': {problem}. Fix: {fix}")
        key = (lease["vm"], lease["proto"])
        if key in seen:
            raise LeaseError(f"{at}: leased twice (also leases[{seen[key]}]); keep one entry")
        seen[key] = index
        for slot in _ports(lease, at):
            other = held.setdefault((address, slot), index)
            if other != index:
                raise LeaseError(f"{at}: {slot[0]}/{slot[1]} on {address} is also held by leases[{other}]")
    return leases


def _validate_demands(demands):
    seen = set()
    for demand in demands:
        where = f"lend demand of {_who(demand)}"
        for field in ("customer", "vm", "proto"):
            if not demand.get(field):
                raise LeaseError(f"{where}: missing {field}")
        key = (demand["vm"], demand["proto"])
        if key in seen:
            raise LeaseError(f"{where}: demanded twice; the model makes one demand per (vm, proto)")
        seen.add(key)
        _ports(demand, where)
        for field, problem, _fix in port_problems(demand)[:1]:
            raise LeaseError(f"{where}, field '{field}': {problem}; the customer model makes demands from the catalogue")


def pool_problems(pool, gateway_ipv4=None):
    """(addresses, problems): the pool normalised, and (field, problem, fix) for each bad entry.

    The one check of a lending pool: the customer model reports every problem
    as a settings error, the allocator refuses the first.
    """
    if not is_list(pool):
        return [], [("lending_pool", "is {0}, not a list of IPv4 addresses".format(kind(pool)),
                     "list the addresses to lend, e.g. [198.51.100.40, 198.51.100.41]")]
    seen, addresses, problems = set(), [], []
    for i, value in enumerate(pool):
        field = "lending_pool[{0}]".format(i)
        address = ipv4(value)
        if address is None:
            problems.append((field, "{0!r} is not an IPv4 address".format(value), "write a dotted-quad address such as 198.51.100.40"))
        elif address in seen:
            problems.append((field, "{0} is listed twice".format(address), "remove the duplicate"))
        elif address == gateway_ipv4:
            problems.append((field, "{0} is the gateway_ipv4 address".format(address), "lend only addresses the gateway does not listen on"))
        else:
            seen.add(address)
            addresses.append(address)
    return addresses, problems


def pool_addresses(pool, gateway_ipv4=None):
    addresses, problems = pool_problems(list(pool), gateway_ipv4)
    if problems:
        field, problem, fix = problems[0]
        raise LeaseError(f"lending pool {field}: {problem}. Fix: {fix}")
    return [ipaddress.IPv4Address(a) for a in addresses]


def lease_order(lease):
    return (ipaddress.IPv4Address(str(lease["address"])), lease["customer"], lease["vm"], lease["proto"])


def allocate(leases, demands, pool, now, grace, gateway_ipv4=None):
    """Reconcile leases with demands.

    Returns (new_leases, changes) where changes maps each of CHANGE_KINDS to the
    sorted ids "vm/proto@address" it concerns; `draining` lists the leases that
    start draining in this run, `kept` every lease that stays put (a draining
    lease still waiting for its expiry included). Raises LeaseError, before
    anything is decided, when the pool cannot hold every new demand, or when a
    lease lies outside the pool or on `gateway_ipv4`.
    """
    addresses = pool_addresses(pool, gateway_ipv4)
    validate_leases(leases, pool=[str(a) for a in addresses], gateway_ipv4=gateway_ipv4)
    _validate_demands(demands)
    now = int(now)
    wanted = {(d["vm"], d["proto"]): d for d in demands}
    changes = {kind: [] for kind in CHANGE_KINDS}
    result = _carried_over(leases, wanted, now, grace, changes)
    held = _refitted(result, wanted)
    leased = {(lease["vm"], lease["proto"]) for lease in result}
    new = sorted((d for key, d in wanted.items() if key not in leased),
                 key=lambda d: (d["customer"], d["vm"], d["proto"]))
    exhausted = []
    for demand in new:
        lease = _placed(demand, addresses, held, now)
        if lease is None:
            exhausted.append(demand)
            continue
        result.append(lease)
        changes["created"].append(f"{lease['vm']}/{lease['proto']}@{lease['address']}")
    if exhausted:
        names = "; ".join(
            f"{_who(d)} needs {', '.join(f'{t}/{p}' for t, p in sorted(_ports(d, _who(d))))[:80]}" for d in exhausted
        )
        raise LeaseError(
            f"lending pool exhausted ({len(addresses)} addresses, every one already holds these ports): {names}. "
            "Fix: add addresses to v6only_gateway.lending_pool, or wait for draining leases to expire. "
            "Nothing was changed."
        )
    result.sort(key=lease_order)
    for kind in changes:
        changes[kind].sort()
    return result, changes


def _carried_over(leases, wanted, now, grace, changes):
    """The existing leases after this run: kept, revived, draining or (left out) freed."""
    result = []
    for old in leases:
        lease = dict(old)
        lease["address"] = str(ipaddress.IPv4Address(str(lease["address"])))
        lease_id = f"{lease['vm']}/{lease['proto']}@{lease['address']}"
        if (lease["vm"], lease["proto"]) in wanted:
            # A demand that comes back while draining revives its lease in place.
            lease.update(state="active", expires=None)
            changes["kept"].append(lease_id)
        elif lease["state"] == "active":
            lease.update(state="draining", expires=iso(now + int(grace)))
            changes["draining"].append(lease_id)
        elif epoch(lease["expires"]) <= now:
            changes["freed"].append(lease_id)
            continue
        else:
            changes["kept"].append(lease_id)
        lease.setdefault("data_ports", None)
        lease.setdefault("expires", None)
        result.append(lease)
    return result


def _refitted(result, wanted):
    """{address: held (transport, port) slots}; a kept lease takes its demand's current ports."""
    held = {}
    for lease in result:
        address = ipaddress.IPv4Address(lease["address"])
        slots = _ports(lease, _who(lease))
        demand = wanted.get((lease["vm"], lease["proto"]))
        if demand is not None:
            new_slots = _ports(demand, _who(demand))
            if new_slots != slots:
                # The service's ports changed: refit them on the same address, never move it.
                lease.update(ports=_normal_ports(demand), data_ports=demand.get("data_ports"))
                slots = new_slots
        held.setdefault(address, set())
        for slot in slots:
            if slot in held[address]:
                raise LeaseError(
                    f"{_who(lease)}: {slot[0]}/{slot[1]} on {address} clashes with another lease after its "
                    "ports changed. Fix: pick another port for one service, or remove and re-add it"
                )
            held[address].add(slot)
    return held


def _placed(demand, addresses, held, now):
    """A new active lease for the demand, or None when every address holds one of its ports."""
    slots = _ports(demand, _who(demand))
    # Stacking first: addresses already lent out, in pool order, then fresh ones.
    candidates = [a for a in addresses if held.get(a)] + [a for a in addresses if not held.get(a)]
    chosen = next((a for a in candidates if not slots & held.get(a, set())), None)
    if chosen is None:
        return None
    held.setdefault(chosen, set()).update(slots)
    return {
        "address": str(chosen), "customer": demand["customer"], "vm": demand["vm"], "proto": demand["proto"],
        "ports": _normal_ports(demand), "data_ports": demand.get("data_ports"),
        "state": "active", "since": iso(now), "expires": None,
    }


def active_leases(analysis, leases):
    """The customer model's view of the leases: (vm, proto) -> active address.

    Every fault of every lease is a model error (`lease <n>, field ...`), so a
    hand-edited file shows with every other problem; a faulty lease places no row.
    """
    active = {}
    if leases is None:
        return active
    if not is_list(leases):
        analysis.error("leases", "leases", "is {0}, not a list".format(kind(leases)), "write the lease file as a mapping with a `leases:` list")
        return active
    settings = analysis.settings or {}
    pool, gateway = settings.get("lending_pool"), settings.get("gateway_ipv4")
    for i, lease in enumerate(leases):
        scope = "lease {0}".format(i)
        problems = lease_problems(lease, pool if is_list(pool) else None, gateway)
        for field, problem, fix in problems:
            analysis.error(scope, field, problem, fix)
        if problems or lease["state"] != "active":
            continue
        key, address = (lease["vm"], lease["proto"]), ipv4(lease["address"])
        if key in active:
            analysis.error(scope, "state", "vm {0!r} proto {1!r} has two active leases ({2} and {3})".format(key[0], key[1], active[key], address),
                           "keep one active lease per (vm, proto); set the other to draining")
            continue
        active[key] = address
    return active
