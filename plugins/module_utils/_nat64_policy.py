"""NAT64 policy for the jool_nat64 role: per-customer pool4 slices (RFC 6888 REQ-4),
the packet marks that select them, and the timeouts behind the port-reuse delay (REQ-8).

Pure functions with no Ansible imports. Every refusal is a ValueError whose
message says what was wrong, with which value, and how to fix it.
"""

import ipaddress
import re

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import nat64_embed_prefix

# Jool's pool4 "mark": 0 is what an unmarked packet carries, so customers start at 1.
DEFAULT_MARK = 0
# Used with fullmatch: `$` would accept a trailing newline.
_PORT_RANGE = re.compile(r" *(\d+) *- *(\d+) *")
_DURATION = re.compile(r"(?:(?:(\d+):)?(\d+):)?(\d+)(?:\.(\d{1,3}))?")
# RFC 6888 REQ-8: a freed external port waits at least 120 s before a new mapping gets it.
# Jool frees a port only when its last session expires, so these timeouts are the delay.
REUSE_DELAY_SECONDS = 120
REUSE_DELAY_TIMEOUTS = ("tcp-trans-timeout", "udp-timeout", "icmp-timeout")


def port_range(text):
    """Return (first, last) of a "first-last" port range."""
    match = _PORT_RANGE.fullmatch(str(text))
    if not match:
        raise ValueError(f"port range {text!r} is not 'first-last', e.g. '61001-65535'")
    first, last = int(match.group(1)), int(match.group(2))
    if not 0 <= first <= last <= 65535:
        raise ValueError(f"port range {text!r} must satisfy 0 <= first <= last <= 65535")
    return first, last


def customer_marks(customers):
    """Map each customer name to its mark: 1, 2, ... in the given order."""
    names = [c["name"] if isinstance(c, dict) else str(c) for c in customers]
    if len(set(names)) != len(names):
        raise ValueError(f"customer names repeat in {names}")
    return {name: DEFAULT_MARK + 1 + i for i, name in enumerate(names)}


def slice_sizes(customers, ports_per_customer=None):
    """Each customer's slice size, in order: its model entry's `quotas.nat64_ports`
    (set by the provider's registry), else `ports_per_customer` (for bare names)."""
    sizes = []
    for customer in customers:
        quotas = customer.get("quotas") if isinstance(customer, dict) else None
        size = quotas.get("nat64_ports") if isinstance(quotas, dict) else ports_per_customer
        name = customer["name"] if isinstance(customer, dict) else customer
        if size is None:
            raise ValueError(f"customer {name!r} has no quotas.nat64_ports. Fix: pass the customer model's customers "
                             "(v6only_gateway_model.customers), or names with ports per customer.")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"customer {name!r}: {size!r} ports per customer is not a whole number of ports, at least 1. "
                             "Fix: set nat64_ports in v6only_gateway_registry.quotas (or the customer's quotas).")
        sizes.append(size)
    return sizes


def _slices(pool4, sizes):
    """Yield (item_index, first, last) of one slice per size, in order, packed item by item.

    A slice that no longer fits its item goes to the next item; the slices stop at the
    first one no later item holds, so a customer's slice never depends on those after it.
    """
    wanted = iter(sizes)
    size = next(wanted, None)
    for index, item in enumerate(pool4):
        first, last = port_range(item["port_range"])
        while size is not None and last - first + 1 >= size:
            yield index, first, first + size - 1
            first += size
            size = next(wanted, None)


def pool4_partition(pool4, customers, ports_per_customer=None):
    """Split pool4 into one port slice per customer (its mark) and the unmarked rest.

    Customer n (in the order given) gets mark n and the n-th slice, of its own size
    (`slice_sizes`), taken from the items in order, on every address of the item's
    prefix. Appending a customer keeps every earlier slice; the default (mark 0) keeps
    what is left, which must hold at least the largest slice (so appending a customer
    never turns a refused pool4 into an accepted one). Returns
    [{mark, customer, prefix, port_range}], the customers first, in mark order.
    """
    marks = customer_marks(customers)
    sizes = slice_sizes(customers, ports_per_customer)
    if not pool4:
        raise ValueError("pool4 is empty; list at least one {prefix, port_range}")
    _refuse_overlapping_items(pool4)
    result = []
    used = {}
    for (index, first, last), (name, mark) in zip(_slices(pool4, sizes), marks.items()):
        result.append({"mark": mark, "customer": name, "prefix": pool4[index]["prefix"], "port_range": f"{first}-{last}"})
        used[index] = last + 1
    rest = _default_rest(pool4, used)
    if len(result) < len(marks) or (marks and sum(hi - lo + 1 for _, lo, hi in rest) < max(sizes)):
        raise ValueError(_shortfall(pool4, sizes))
    result.extend(
        {"mark": DEFAULT_MARK, "customer": None, "prefix": pool4[i]["prefix"], "port_range": f"{lo}-{hi}"}
        for i, lo, hi in rest
    )
    return result


def _refuse_overlapping_items(pool4):
    # Two items sharing transport addresses would hand the same port to two slices.
    for i, one in enumerate(pool4):
        for other in pool4[i + 1:]:
            (a_first, a_last), (b_first, b_last) = port_range(one["port_range"]), port_range(other["port_range"])
            same_addresses = ipaddress.IPv4Network(one["prefix"]).overlaps(ipaddress.IPv4Network(other["prefix"]))
            if same_addresses and a_first <= b_last and b_first <= a_last:
                raise ValueError(
                    f"pool4 items {one['prefix']} {one['port_range']} and {other['prefix']} {other['port_range']} "
                    f"share addresses and ports. Fix: make their prefixes or port ranges disjoint."
                )


def _default_rest(pool4, used):
    rest = []
    for index, item in enumerate(pool4):
        first, last = port_range(item["port_range"])
        first = used.get(index, first)
        if first <= last:
            rest.append((index, first, last))
    return rest


def _shortfall(pool4, sizes):
    spans = [port_range(i["port_range"]) for i in pool4]
    fits = max(max(last - first + 1 for first, last in spans) // (len(sizes) + 1), 1)
    return (
        f"pool4 ({', '.join(i['prefix'] + ' ' + str(i['port_range']) for i in pool4)}) holds "
        f"{sum(last - first + 1 for first, last in spans)} ports, but {len(sizes)} customers' slices take "
        f"{sum(sizes)} (nat64_ports {min(sizes)} to {max(sizes)}, each slice inside one item) plus at least "
        f"{max(sizes)} for sources without a customer. Fix: lower nat64_ports in v6only_gateway_registry.quotas "
        f"or the customers' own quotas (at most {fits} each fits the widest range alone), widen a port_range, "
        f"or add a pool4 item."
    )


def customer_sources(model):
    """Map each customer to the IPv6 prefixes its traffic comes from, collapsed.

    Its prefix (when it has one), its VMs' addresses and its VMs' VPN peer prefixes.
    Two customers may not share a source: the mark would be ambiguous.
    """
    sources = {c["name"]: [] for c in model.get("customers", [])}
    for customer in model.get("customers", []):
        if customer.get("prefix"):
            sources[customer["name"]].append(ipaddress.IPv6Network(customer["prefix"]))
    for vm in model.get("vms", []):
        if vm.get("ipv6"):
            sources[vm["customer"]].append(ipaddress.IPv6Network(vm["ipv6"]))
    for peer in model.get("vpn_peers", []):
        sources[peer["customer"]].append(ipaddress.IPv6Network(peer["prefix"]))
    collapsed = {name: list(ipaddress.collapse_addresses(nets)) for name, nets in sources.items()}
    _refuse_shared_sources(collapsed)
    return {name: [str(n) for n in nets] for name, nets in collapsed.items()}


def _refuse_shared_sources(collapsed):
    owned = sorted((net, name) for name, nets in collapsed.items() for net in nets)
    for (net_a, name_a), (net_b, name_b) in zip(owned, owned[1:]):
        if name_a != name_b and net_a.overlaps(net_b):
            raise ValueError(
                f"customers {name_a!r} ({net_a}) and {name_b!r} ({net_b}) share sources, "
                f"so their NAT64 traffic cannot be told apart. Fix: give each customer its own addresses."
            )


def source_marks(model):
    """The nftables map from source prefix to mark: [{source, mark, customer}], sorted by source."""
    marks = customer_marks(model.get("customers", []))
    pairs = [
        {"source": source, "mark": marks[name], "customer": name}
        for name, sources in customer_sources(model).items()
        for source in sources
    ]
    return sorted(pairs, key=lambda p: ipaddress.IPv6Network(p["source"]))


def deny_prefixes(ipv4_prefixes, pool6):
    """The IPv6 destinations under pool6 that stand for the IPv4 prefixes, collapsed."""
    nets = [ipaddress.IPv6Network(nat64_embed_prefix(p, pool6)) for p in ipv4_prefixes]
    return [str(n) for n in ipaddress.collapse_addresses(nets)]


def duration_seconds(value):
    """Seconds in a Jool duration "[[HH:]MM:]SS[.mmm]" (an int counts as seconds)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.fullmatch(str(value).strip(" "))
    if not match:
        raise ValueError(f"duration {value!r} is not [[HH:]MM:]SS[.mmm], e.g. '4:00' or '2:00:00'")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups()[:3])
    fraction = float("0." + match.group(4)) if match.group(4) else 0.0
    return hours * 3600 + minutes * 60 + seconds + fraction


def reuse_delay_problems(jool_globals):
    """Messages for each Jool timeout that would free a port in under REUSE_DELAY_SECONDS."""
    problems = []
    for key in REUSE_DELAY_TIMEOUTS:
        if key in jool_globals and duration_seconds(jool_globals[key]) < REUSE_DELAY_SECONDS:
            problems.append(
                f"{key} is {jool_globals[key]!r}: a freed port could be mapped again in under "
                f"{REUSE_DELAY_SECONDS} s (RFC 6888 REQ-8). Fix: at least '2:00'."
            )
    return problems


def bib_changes(wanted, shown):
    """The `jool bib add/remove` commands that make Jool's static BIB match `wanted`.

    `wanted` holds {protocol, ipv6: "addr#port", ipv4: "addr#port", state}; `shown` maps a
    protocol to `jool bib display --csv --numeric` output, whose rows read
    "proto,ipv6,port,ipv4,port,...". Entries already as wanted give no command.
    """
    changes = []
    for entry in wanted:
        row = ",".join(entry["ipv6"].split("#") + entry["ipv4"].split("#"))
        present = any(row in line.split(",", 1)[-1] for line in shown.get(entry["protocol"], "").splitlines())
        if present != (entry.get("state", "present") == "present"):
            changes.append({"action": "remove" if present else "add", "protocol": entry["protocol"],
                            "ipv6": entry["ipv6"], "ipv4": entry["ipv4"]})
    return changes
