"""The run summary: what changed for each customer, and the DNS records it must now set.

`applied_state(model, leases)` is what a run applies, per customer: the names
routed by Host or SNI, the zones, the mail domains, the SSH ports and the
leases. It is small, JSON-able and holds no secret (no key, no token), so it
can be recorded beside the inventory after a run in which every play
succeeded. `summary(previous, model, leases)` compares the recorded state with
this run's model; `render(result, title)` is the fixed-width text the last
play of site.yml prints. Pure functions, no I/O; the filters `run_summary` and
`run_summary_text` wrap them.
"""

STATE_VERSION = 1
# State key -> the word a summary row shows.
KINDS = {"names": "name", "zones": "zone", "mail": "mail", "ssh": "ssh", "leases": "lease"}


def applied_state(model, leases=None):
    """{version, customers: {customer: {names, zones, mail, ssh, leases}}}, empty kinds left out.

    names: {name: [protos]} of host and sni rows; zones: {zone: name server};
    mail: {domain: [MX names]} of relay rows; ssh: {vm: gateway port};
    leases: {"vm/proto": {address, state[, expires]}}: the lend rows (state
    `pending` while no address is lent yet), then the draining leases.
    """
    customers = {c["name"]: {kind: {} for kind in KINDS} for c in model["customers"]}
    for row in model["rows"]:
        entry = customers[row["customer"]]
        if row["routing"] in ("host", "sni"):
            for name in row["match"]:
                entry["names"].setdefault(name, set()).add(row["proto"])
        elif row["routing"] == "zone":
            entry["zones"].update({zone: row["gateway_name"] for zone in row["match"]})
        elif row["routing"] == "relay":
            for domain in row["match"]:
                entry["mail"].setdefault(domain, set()).add(row["gateway_name"])
        elif row["routing"] == "port":
            entry["ssh"][row["vm"]] = row["listen_port"]
        elif row["routing"] == "lend":
            address = row["listen_ipv4"]
            entry["leases"][lease_key(row)] = {"address": address, "state": "active" if address else "pending"}
    for lease in leases or []:
        if lease["state"] == "draining":
            held = customers.setdefault(lease["customer"], {kind: {} for kind in KINDS})["leases"]
            held.setdefault(lease_key(lease), {"address": lease["address"], "state": "draining", "expires": lease["expires"]})
    return {"version": STATE_VERSION, "customers": {
        name: {kind: {k: sorted(v) if isinstance(v, set) else v for k, v in sorted(items.items())}
               for kind, items in entry.items() if items}
        for name, entry in sorted(customers.items())}}


def lease_key(item):
    return "{0}/{1}".format(item["vm"], item["proto"])


def check_previous(previous):
    """The recorded state's customers ({} before the first run), or ValueError saying how to start afresh."""
    if previous is None:
        return {}
    recorded = isinstance(previous, dict) and previous.get("version") == STATE_VERSION
    customers = previous.get("customers") if recorded else None
    if not isinstance(customers, dict) or not all(
            isinstance(entry, dict) and all(isinstance(entry.get(kind, {}), dict) for kind in KINDS)
            for entry in customers.values()):
        raise ValueError("the recorded run summary is not a version {0} state; delete the file to start afresh "
                         "(the next run then lists everything as new)".format(STATE_VERSION))
    return customers


def summary(previous, model, leases=None):
    """{first_run, customers: [{customer, status, changes, dns}], unchanged: [names], state}.

    previous is the recorded applied_state, or None before the first run.
    changes: [{change: + | - | ~, kind, key, detail}] by kind, then by key.
    dns: [{name, type, value, where}]: the records the customer sets for what
    was added or changed; `where` is `zone` (its own zone) or `registrar`.
    """
    before = check_previous(previous)
    now = applied_state(model, leases)
    changed, unchanged = [], []
    for customer in sorted(set(before) | set(now["customers"])):
        old, new = before.get(customer, {}), now["customers"].get(customer, {})
        changes, dns = [], []
        for kind in KINDS:
            for change, records in _changes(kind, old.get(kind, {}), new.get(kind, {}), model):
                changes.append(change)
                dns += records
        if not changes:
            unchanged.append(customer)
            continue
        status = "new" if customer not in before else "removed" if customer not in now["customers"] else "changed"
        changed.append({"customer": customer, "status": status, "changes": changes, "dns": dns})
    return {"first_run": previous is None, "customers": changed, "unchanged": unchanged, "state": now}


def _changes(kind, old, new, model):
    """(change, DNS records) for each key of one kind whose value differs."""
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        change = "+" if key not in old else "-" if key not in new else "~"
        detail = _detail(kind, new[key] if key in new else old[key], model)
        if change == "~":
            detail += " (was {0})".format(_detail(kind, old[key], model))
        records = [] if change == "-" else _records(kind, key, new[key], change, model)
        yield {"change": change, "kind": KINDS[kind], "key": key, "detail": detail}, records


def _detail(kind, value, model):
    if kind == "names":
        return ", ".join(value)
    if kind == "zones":
        return value
    if kind == "mail":
        return ", ".join(value)
    if kind == "ssh":
        return "ssh -p {0} {1}".format(value, model["settings"]["gateway_ipv4"])
    if value["state"] == "pending":
        return "pending (lent when applied)"
    if value["state"] == "draining":
        return "{0} draining until {1}".format(value["address"], value["expires"])
    return "{0} {1}".format(value["address"], value["state"])


def _records(kind, key, value, change, model):
    """The DNS records a customer sets for one added or changed item.

    A name points at the gateway (A; its AAAA stays on the VM, which IPv6
    clients reach directly). A zone is delegated to its VM's gateway name, a mail domain gets
    the relay's MX and SPF (as roles/postfix_relay/README.md says). A lent
    service is reached by its gateway name, which follows the lease, so the
    customer's own name for it is a CNAME, set once.
    """
    settings = model["settings"]
    if kind == "names" and change == "+":
        return [_record(key, "A", settings["gateway_ipv4"])]
    if kind == "zones":
        return [_record(key, "NS", value + ".", "registrar")]
    if kind == "mail":
        ip6 = " ip6:" + settings["gateway_ipv6"] if settings.get("gateway_ipv6") else ""
        spf = '"v=spf1 ip4:{0}{1} -all"'.format(settings["gateway_ipv4"], ip6)
        return [_record(key, "MX", "10 {0}.".format(name)) for name in value] + [_record(key, "TXT", spf)]
    if kind == "leases" and change == "+" and value["state"] != "draining":
        names = sorted({r["gateway_name"] for r in model["rows"] if r["routing"] == "lend" and lease_key(r) == key})
        return [_record("<your {0} name>".format(key.split("/", 1)[1]), "CNAME", name + ".") for name in names]
    return []


def _record(name, rtype, value, where="zone"):
    owner = name if name.startswith("<") else name + "."
    return {"name": owner, "type": rtype, "value": value, "where": where}


def render(result, title, width=72, max_rows=10, max_customers=20):
    """The summary as plain-text lines: no colour, at most `width` characters, long lists cut.

    Each changed customer is a header line, its changes (at most max_rows,
    then "… and N more changes") and the DNS records to set, in its zone and
    at the registrar (as many at most each). Customers with no change are one
    line at the end. A DNS record is never cut: half a record is worse than a
    long line, and DNS names are bounded. The width stays under the 80
    columns at which Ansible's YAML output folds a line of a debug msg list.
    """
    customers = result["customers"]
    first = " (first run: everything is new)" if result["first_run"] else ""
    lines = [_cut("Run summary: " + title, width),
             _cut("{0} changed, {1} unchanged{2}".format(_count(len(customers), "customer"), len(result["unchanged"]), first), width)]
    for entry in customers[:max_customers]:
        lines.append(_cut("{0}: {1}".format(entry["customer"], _status(entry)), width))
        lines += [_cut(row, width) for row in _bounded(_rows(entry["changes"]), max_rows, "changes", "  ")]
        for where, header in (("zone", "  Set in its zone:"), ("registrar", "  Set at the registrar:")):
            records = [r for r in entry["dns"] if r["where"] == where]
            lines += [header] + _bounded(_zone_lines(records), max_rows, "records", "    ") if records else []
    if len(customers) > max_customers:
        lines.append("… and {0} more customers changed".format(len(customers) - max_customers))
    if result["unchanged"]:
        names = ", ".join(_bounded(result["unchanged"], max_rows, "", ""))
        lines.append(_cut("Unchanged: " + names, width))
    return lines


def _status(entry):
    if entry["status"] != "changed":
        return "{0} customer".format(entry["status"])
    counts = [(sign, sum(1 for c in entry["changes"] if c["change"] == sign)) for sign in "+-~"]
    words = {"+": "added", "-": "removed", "~": "changed"}
    return ", ".join("{0} {1}".format(n, words[sign]) for sign, n in counts if n)


def _rows(changes):
    column = min(max(len(c["key"]) for c in changes), 28)
    return ["  {0} {1:<5} {2:<{3}}  {4}".format(c["change"], c["kind"], _cut(c["key"], column), column, c["detail"])
            for c in changes]


def _zone_lines(records):
    column = min(max(len(r["name"]) for r in records), 28)
    return ["    {0:<{1}}  {2:<5} {3}".format(r["name"], column, r["type"], r["value"]) for r in records]


def _bounded(items, limit, what, indent):
    if len(items) <= limit:
        return list(items)
    return list(items[:limit]) + ["{0}… and {1} more{2}".format(indent, len(items) - limit, " " + what if what else "")]


def _count(n, word):
    return "{0} {1}{2}".format(n, word, "" if n == 1 else "s")


def _cut(text, width):
    return text if len(text) <= width else text[:width - 1] + "…"
