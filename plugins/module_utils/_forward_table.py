"""Stage 6 of the customer model: the forward table and the rest of the fact.

Places each pending row on its listening address (the gateway's, or a lend
row's active lease), sorts everything and splits the rows per serving role.
The shape is the contract in docs/customer-model.md.
"""

from __future__ import annotations

import copy
import hashlib
import json

from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import SERVING_ROLES
from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import active_leases
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import Analysis


def forward_table(analysis):
    """The model from an analysis without errors."""
    settings = analysis.settings
    rows = sorted(analysis.rows, key=lambda r: (r["customer"], r["vm"], r["proto"], r["transport"], r["listen_port"]))
    tables, records = _place(rows, settings, analysis.leases)
    demands = [analysis.demands[k] for k in sorted(analysis.demands, key=lambda k: (analysis.demands[k]["customer"], k[0], k[1]))]
    for demand in demands:
        demand["ports"].sort(key=lambda p: (p["transport"], p["port"]))
    return with_digest({
        "nat64_prefix": settings["nat64_prefix"],
        # Who may use NAT64 and DNS64: customers and VPN peers, nobody else.
        "allowed_sources": settings["customer_prefixes"] + ([settings["vpn_prefix"]] if settings["vpn_prefix"] else []),
        "settings": settings,
        "customers": sorted(analysis.customers, key=lambda c: c["name"]),
        "vms": sorted(analysis.vms, key=lambda v: (v["customer"], v["name"])),
        "rows": rows,
        "tables": tables,
        "dns_records": [records[n] for n in sorted(records)],
        "lend_demands": demands,
        "vpn_peers": sorted(analysis.peers, key=lambda p: p["index"]),
        "summary": {
            "customers": len(analysis.customers),
            "vms": len(analysis.vms),
            "rows": len(rows),
            "rows_by_role": {role: len(tables[role]) for role in SERVING_ROLES},
            "lend_demands": len(demands),
            "vpn_peers": len(analysis.peers),
        },
    })


def with_digest(model):
    """The model with `digest`, the SHA-1 of the rest: a role tells by it, cheaply, whether its model changed."""
    rest = {key: value for key, value in model.items() if key != "digest"}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":"), default=str)
    return dict(rest, digest=hashlib.sha1(text.encode()).hexdigest())


def _place(rows, settings, leases):
    """(tables per serving role, gateway DNS records by name); sets each row's listen_ipv4."""
    tables = {role: [] for role in SERVING_ROLES}
    records = {}
    for row in rows:
        if row["routing"] == "lend":
            row["listen_ipv4"] = leases.get((row["vm"], row["proto"]))
        else:
            row["listen_ipv4"] = settings["gateway_ipv4"]
        # Tables get their own copies so a YAML dump has no anchors.
        tables[row["served_by"]].append(dict(row, match=list(row["match"]), data_ports=list(row["data_ports"]) if row["data_ports"] else None))
        if row["listen_ipv4"] is not None:
            records[row["gateway_name"]] = {"name": row["gateway_name"], "type": "A", "value": row["listen_ipv4"], "ttl": settings["dns_ttl"]}
    return tables, records


def with_leases(model, leases):
    """The model with its lend rows placed on `leases` (what ipv4_lending just wrote).

    The same as analysing the inventory again with these leases, without the
    second pass: only listen_ipv4, the tables and the DNS records depend on them.
    """
    analysis = Analysis()
    active = active_leases(analysis, leases)
    if analysis.errors:
        raise ValueError("\n".join(analysis.errors))
    rows = copy.deepcopy(model["rows"])
    tables, records = _place(rows, model["settings"], active)
    return with_digest(dict(model, rows=rows, tables=tables, dns_records=[records[n] for n in sorted(records)]))
