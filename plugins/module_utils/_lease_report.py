"""IPv4 lending: what the leases mean for an operator and for the gateway.

`report` and `format_report` are what `make leases` prints; `forwards` is the
list of listeners the lending HAProxy runs (the filter `lease_forwards`).
The leases themselves are defined in `_lease_store`.
"""

import ipaddress

from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import lease_order, pool_addresses, validate_leases


def report(leases, pool):
    """What `make leases` prints: per-address tenants, draining leases, and savings per protocol.

    `would_free[proto]` counts the addresses that would go back to the pool if
    the gateway learned to carry proto by name, i.e. addresses whose every
    active tenant speaks proto.
    """
    validate_leases(leases)
    addresses = pool_addresses(pool)
    by_address = {str(a): [] for a in addresses}
    for lease in sorted(leases, key=lease_order):
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
        for t in sorted(leases, key=lambda t: (t.get("expires") or "", lease_order(t))) if t["state"] == "draining"
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
    for lease in sorted(leases, key=lease_order):
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
