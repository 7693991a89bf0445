"""Quotas per customer (#18): how much of the shared gateway one customer file may take.

The provider sets defaults in `v6only_gateway_registry.quotas` and raises or
lowers them per customer in `v6only_gateway_registry.customers.<name>.quotas`;
missing keys take `QUOTA_DEFAULTS`, the only place the defaults live. After
every customer is read, `check_quotas` counts what each one takes and reports
every quota exceeded. Each entry of `model.customers` gets its effective
`quotas`; jool_nat64 sizes the customer's pool4 slice from `nat64_ports`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import did_you_mean, shown
from ansible_collections.v6only.gateway.plugins.module_utils._model_values import is_int, kind, scope_of

REGISTRY = "v6only_gateway_registry"
SCOPE = "registry '{0}'".format(REGISTRY)
QUOTA_DEFAULTS = {
    "names": 16,  # distinct host/SNI names and DNS zones across the customer's services
    "ssh_ports": 2,  # ssh services, each a gateway port
    "lent_addresses": 4,  # lend demands: (vm, proto) pairs that need a lent IPv4 address
    "ftp_data_ports": 200,  # ports across the ftp/ftps data_ports ranges
    "vpn_peers": 4,
    "nat64_ports": 512,  # the customer's Jool pool4 slice (RFC 6888 REQ-4), per pool4 address
}
# A slice of no ports would leave the customer without NAT64, and one port
# range holds at most 65536 ports.
_LIMITS = {"nat64_ports": (1, 65536)}
# quota -> (field counted, one, many, what the customer can remove)
_COUNTED = {
    "names": ("services", "name", "names", "remove names or zones"),
    "ssh_ports": ("services", "ssh service", "ssh services", "remove ssh services"),
    "lent_addresses": ("services", "lent IPv4 address", "lent IPv4 addresses",
                       "remove services routed by lending (one address per VM and protocol)"),
    "ftp_data_ports": ("services", "FTP data port", "FTP data ports", "narrow the ftp/ftps data_ports ranges"),
    "vpn_peers": ("vpn_peers", "VPN peer", "VPN peers", "remove peers"),
}


def check_quotas(analysis):
    """Report each quota exceeded and give each customer its effective `quotas`."""
    registry = analysis.registry if isinstance(analysis.registry, Mapping) else {}
    defaults = read_quotas(analysis, SCOPE, registry.get("quotas"), dict(QUOTA_DEFAULTS))
    grants = registry.get("customers")
    grants = grants if isinstance(grants, Mapping) else {}
    overrides = {}
    for name in sorted(grants, key=str):
        grant = grants[name]
        if isinstance(grant, Mapping):
            scope = "{0}, customer '{1}'".format(SCOPE, name)
            overrides[str(name)] = read_quotas(analysis, scope, grant.get("quotas"), dict(defaults))
    usage = customer_usage(analysis)
    for customer in analysis.customers:
        name = customer["name"]
        # A copy each, so a YAML dump of the model has no anchors.
        customer["quotas"] = dict(overrides.get(name, defaults))
        for quota, count in usage.get(name, {}).items():
            limit = customer["quotas"][quota]
            if count > limit:
                field, one, many, fix = _COUNTED[quota]
                analysis.error(scope_of(name), field, "{0} {1} the quota {2}={3}".format(
                    count, (one + " exceeds") if count == 1 else (many + " exceed"), quota, limit),
                    "{0} or ask the provider to raise {1}.customers.{2}.quotas.{3}".format(fix, REGISTRY, name, quota))


def read_quotas(analysis, scope, value, quotas):
    """`quotas` updated with the valid entries of `value` (a registry `quotas:` mapping); the rest reported."""
    if value is None:
        return quotas
    if not isinstance(value, Mapping):
        analysis.error(scope, "quotas", "is {0}, not a mapping".format(kind(value)),
                       "map quota names to counts, e.g. {names: 32}; the quotas are " + ", ".join(QUOTA_DEFAULTS))
        return quotas
    for key in sorted(value, key=str):
        field = "quotas.{0}".format(key)
        if key not in QUOTA_DEFAULTS:
            analysis.error(scope, field, "unknown quota", did_you_mean(key, tuple(QUOTA_DEFAULTS)))
            continue
        least, most = _LIMITS.get(key, (0, None))
        count = value[key]
        if not is_int(count) or count < least or (most is not None and count > most):
            bounds = "{0} to {1}".format(least, most) if most is not None else "{0} up".format(least)
            analysis.error(scope, field, "{0} is not a whole number from {1}".format(shown(count), bounds),
                           "write a whole number from {0}, e.g. {1}".format(bounds, QUOTA_DEFAULTS[key]))
            continue
        quotas[key] = count
    return quotas


def customer_usage(analysis):
    """{customer: {quota: count}} for every counted quota, in one pass over each index."""
    names, usage = {}, {}

    def add(customer, quota, count=1):
        counts = usage.setdefault(customer, dict.fromkeys(_COUNTED, 0))
        counts[quota] += count

    for name, what, customer, _vm, _field in analysis.claims:
        # Mail domains are no quota: each one must be granted in the registry anyway.
        if what != "domain" and name not in names.setdefault(customer, set()):
            names[customer].add(name)
            add(customer, "names")
    for customer, _vm in analysis.ssh_ports.values():
        add(customer, "ssh_ports")
    for demand in analysis.demands.values():
        add(demand["customer"], "lent_addresses")
    for row in analysis.rows:
        if row["data_ports"]:
            add(row["customer"], "ftp_data_ports", row["data_ports"][1] - row["data_ports"][0] + 1)
    for peer in analysis.peers:
        add(peer["customer"], "vpn_peers")
    return usage
