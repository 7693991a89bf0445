"""IPv4 lending: who holds which shelf address, and what a run changes.

Pure functions with no Ansible imports. The module `ipv4_lease`, the filter
`lease_forwards` and the `make leases` report share them.

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

STATES = ("active", "draining")
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


def validate_leases(leases, where="state file"):
    """Check a parsed state file's lease list; raise LeaseError naming the first bad entry."""
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


def _pool(pool):
    addresses = []
    for value in pool:
        try:
            addresses.append(ipaddress.IPv4Address(str(value)))
        except ValueError:
            raise LeaseError(f"lending pool entry {value!r} is not an IPv4 address. Fix: list single addresses") from None
    if len(set(addresses)) != len(addresses):
        raise LeaseError("lending pool lists an address twice. Fix: list each address once")
    return addresses


def _sort_key(lease):
    return (ipaddress.IPv4Address(str(lease["address"])), lease["customer"], lease["vm"], lease["proto"])


def allocate(leases, demands, pool, now, grace):
    """Reconcile leases with demands.

    Returns (new_leases, changes) where changes maps each of CHANGE_KINDS to the
    sorted ids "vm/proto@address" it concerns; `draining` lists the leases that
    start draining in this run, `kept` every lease that stays put (a draining
    lease still waiting for its expiry included). Raises LeaseError, before
    anything is decided, when the pool cannot hold every new demand.
    """
    validate_leases(leases)
    _validate_demands(demands)
    addresses = _pool(pool)
    now = int(now)
    wanted = {(d["vm"], d["proto"]): d for d in demands}
    changes = {kind: [] for kind in CHANGE_KINDS}
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

    leased = {(lease["vm"], lease["proto"]) for lease in result}
    new = sorted((d for key, d in wanted.items() if key not in leased),
                 key=lambda d: (d["customer"], d["vm"], d["proto"]))
    exhausted = []
    for demand in new:
        slots = _ports(demand, _who(demand))
        # Stacking first: addresses already lent out, in pool order, then fresh ones.
        candidates = [a for a in addresses if held.get(a)] + [a for a in addresses if not held.get(a)]
        chosen = next((a for a in candidates if not slots & held.get(a, set())), None)
        if chosen is None:
            exhausted.append(demand)
            continue
        held.setdefault(chosen, set()).update(slots)
        lease = {
            "address": str(chosen), "customer": demand["customer"], "vm": demand["vm"], "proto": demand["proto"],
            "ports": _normal_ports(demand), "data_ports": demand.get("data_ports"),
            "state": "active", "since": iso(now), "expires": None,
        }
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
    result.sort(key=_sort_key)
    for kind in changes:
        changes[kind].sort()
    return result, changes


def report(leases, pool):
    """What `make leases` prints: per-address tenants, draining leases, and savings per protocol.

    `would_free[proto]` counts the addresses that would go back to the pool if
    the gateway learned to carry proto by name, i.e. addresses whose every
    active tenant speaks proto.
    """
    validate_leases(leases)
    addresses = _pool(pool)
    by_address = {str(a): [] for a in addresses}
    for lease in sorted(leases, key=_sort_key):
        by_address.setdefault(lease["address"], []).append(lease)
    rows = []
    for address, tenants in by_address.items():
        rows.append({
            "address": address,
            "in_pool": ipaddress.IPv4Address(address) in addresses,
            "tenants": [
                {"customer": t["customer"], "vm": t["vm"], "proto": t["proto"], "state": t["state"],
                 "ports": [f"{p['transport']}/{p['port']}" for p in t["ports"]]
                 + ([f"tcp/{t['data_ports'][0]}-{t['data_ports'][1]}"] if t.get("data_ports") else []),
                 "expires": t.get("expires")}
                for t in tenants
            ],
        })
    draining = [
        {"address": t["address"], "customer": t["customer"], "vm": t["vm"], "proto": t["proto"], "expires": t["expires"]}
        for t in sorted(leases, key=lambda t: (t.get("expires") or "", _sort_key(t))) if t["state"] == "draining"
    ]
    active = [t for t in leases if t["state"] == "active"]
    would_free = {}
    for proto in sorted({t["proto"] for t in active}):
        would_free[proto] = sum(
            1 for address in {t["address"] for t in active if t["proto"] == proto}
            if all(t["proto"] == proto for t in active if t["address"] == address)
        )
    used = {t["address"] for t in leases}
    return {
        "addresses": rows,
        "draining": draining,
        "would_free": would_free,
        "free": [str(a) for a in addresses if str(a) not in used],
    }


def format_report(summary):
    """The report as text for a terminal."""
    lines = ["IPv4 lending pool", ""]
    for row in summary["addresses"]:
        flag = "" if row["in_pool"] else "  (not in pool any more)"
        lines.append(f"{row['address']}{flag}")
        if not row["tenants"]:
            lines.append("    (free)")
        for t in row["tenants"]:
            extra = f"  draining until {t['expires']}" if t["state"] == "draining" else ""
            lines.append(f"    {t['customer']:<12} {t['vm']:<20} {t['proto']:<10} {' '.join(t['ports'])}{extra}")
    lines += ["", "Draining leases"]
    lines += [f"    {d['address']:<16} {d['vm']}/{d['proto']} expires {d['expires']}" for d in summary["draining"]] or ["    none"]
    lines += ["", "Addresses freed if the gateway learned the protocol"]
    ranked = sorted(summary["would_free"].items(), key=lambda kv: (-kv[1], kv[0]))
    lines += [f"    {proto:<12} {count}" for proto, count in ranked] or ["    none"]
    lines += ["", f"Free addresses: {len(summary['free'])} of {len(summary['addresses'])}"]
    return "\n".join(lines) + "\n"


def forwards(leases, rows):
    """The listeners the gateway runs: one per lease and port, from the forward-table rows.

    A draining lease keeps forwarding to its backend while DNS caches expire, as
    long as the model still has a row for its (vm, proto), whatever that row's
    routing now is. A lease without any row (the service or VM was removed) has
    no backend left, so its address stays held but nothing listens.
    """
    by_key = {}
    for row in rows:
        by_key.setdefault((row["vm"], row["proto"]), row)
    result = []
    for lease in sorted(leases, key=_sort_key):
        row = by_key.get((lease["vm"], lease["proto"]))
        if row is None:
            continue
        for entry in lease["ports"]:
            port = entry["port"]
            backend_port = row["backend_port"] if port == row.get("listen_port") else port
            result.append({
                "name": f"{lease['vm']}-{lease['proto']}-{entry['transport']}-{port}",
                "address": lease["address"], "transport": entry["transport"], "port": port,
                "backend_ipv6": row["backend_ipv6"], "backend_port": backend_port,
                "proxy_protocol": bool(row.get("proxy_protocol")),
                "data_ports": lease.get("data_ports"), "state": lease["state"],
                "customer": lease["customer"], "vm": lease["vm"], "proto": lease["proto"],
            })
    return result
