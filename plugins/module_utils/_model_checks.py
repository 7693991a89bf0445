"""Stage 5 of the customer model: checks that need every customer read.

Each check is a sort or a dict lookup, so 50,000 customers stay linear.
"""

from __future__ import annotations

from ansible_collections.v6only.gateway.plugins.module_utils._model_values import scope_of


def cross_checks(analysis):
    _names_inside_other_zones(analysis)
    _prefix_overlaps(analysis)
    _ftps_overlaps(analysis)
    _pool_size(analysis)


def _names_inside_other_zones(analysis):
    # A name, zone or mail domain under another customer's zone would let
    # that customer hijack it; walking the name's suffixes keeps this O(n).
    for name, what, customer, vm, field in analysis.claims:
        labels = name.split(".")
        for i in range(1, len(labels) - 1):
            suffix = ".".join(labels[i:])
            owner = analysis.zone_owner.get(suffix)
            if owner is not None and owner[0] != customer:
                analysis.error(scope_of(customer, vm), field, "{0} {1} is inside zone {2} of customer '{3}'".format(what, name, suffix, owner[0]),
                               "use a name under a zone this customer owns, or have '{0}' delegate it".format(owner[0]))
                break


def _prefix_overlaps(analysis):
    # CIDR blocks either nest or are disjoint: after sorting, an overlap
    # always shows against the widest block still open.
    blocks = []
    for prefix, customer in analysis.prefix_owner:
        first = int(prefix.network_address)
        blocks.append((first, prefix.prefixlen, first + (1 << (128 - prefix.prefixlen)) - 1, prefix, customer))
    blocks.sort(key=lambda b: (b[0], b[1]))
    open_block = None
    for first, _length, last, prefix, customer in blocks:
        if open_block is not None and first <= open_block[0]:
            analysis.error(scope_of(customer), "prefix", "{0} overlaps prefix {1} of customer '{2}'".format(prefix, open_block[1], open_block[2]),
                           "give every customer a prefix of its own")
            continue
        open_block = (last, prefix, customer)


def _ftps_overlaps(analysis):
    last = None
    for first, end, vm, scope, field in sorted(analysis.ftps_ranges):
        if last is not None and first <= last[1]:
            analysis.error(scope, field, "[{0}, {1}] overlaps the ftps passive range of vm '{2}' [{3}, {4}]".format(first, end, last[2], last[0], last[1]),
                           "pick a range no other ftps service uses")
            continue
        last = (first, end, vm)


def _pool_size(analysis):
    """The pool must hold at least as many addresses as demands want one port."""
    if not analysis.demands:
        return
    events = []
    for demand in analysis.demands.values():
        spans = [(p["transport"], p["port"], p["port"]) for p in demand["ports"]]
        if demand["data_ports"]:
            spans.append(("tcp", demand["data_ports"][0], demand["data_ports"][1]))
        for transport, first, last in spans:
            events.append((transport, first, 1))
            events.append((transport, last + 1, -1))
    events.sort()
    peak, where, depth, current = 0, None, 0, None
    for transport, port, delta in events:
        if transport != current:
            current, depth = transport, 0
        depth += delta
        if depth > peak:
            peak, where = depth, (transport, port)
    size = len(analysis.settings["lending_pool"])
    if peak > size:
        analysis.error("settings 'v6only_gateway'", "lending_pool", "{0} address{1} but {2} lend demands need {3} port {4}".format(
            size, "" if size == 1 else "es", peak, where[0], where[1]),
            "add at least {0} address{1} to lending_pool, or move services to gateway-routed protocols".format(
                peak - size, "" if peak - size == 1 else "es"))
