# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unbound local data of the gateway names: the lines the config holds, and how to make a running
Unbound hold the same ones through unbound-control (local_datas, local_datas_remove)."""

import ipaddress


def _absolute(name):
    return name.strip().rstrip(".").lower() + "."


def local_data_lines(records, default_ttl):
    """The records as Unbound local-data RRs ``name. ttl IN type value``, sorted."""
    lines = []
    for record in records:
        ttl = record.get("ttl") or default_ttl
        lines.append(f"{_absolute(record['name'])} {int(ttl)} IN {record['type'].upper()} {record['value']}")
    return sorted(lines)


def rr_key(line):
    """(name., ttl, class, type, rdata) of one RR line, in the form Unbound prints it back."""
    fields = line.split()
    if len(fields) < 5:
        raise ValueError(f"not a resource record: {line!r}")
    name, ttl, klass, rtype, rdata = fields[0], fields[1], fields[2].upper(), fields[3].upper(), " ".join(fields[4:])
    if rtype in ("A", "AAAA"):
        rdata = str(ipaddress.ip_address(rdata))
    return (_absolute(name), int(ttl), klass, rtype, rdata)


def in_zone(name, zone):
    """True when the absolute ``name`` is ``zone`` or below it."""
    zone = _absolute(zone)
    return name == zone or name.endswith("." + zone)


def zone_rrs(listing, zone):
    """The RRs of ``unbound-control list_local_data`` output that lie in ``zone``, as rr_key tuples."""
    keys = (rr_key(line) for line in listing.splitlines() if line.strip())
    return {key for key in keys if in_zone(key[0], zone)}


def _by_name(keys):
    names = {}
    for key in keys:
        names.setdefault(key[0], set()).add(key)
    return names


def sync_plan(live, wanted):
    """(names to remove, RR lines to add) that turn the ``live`` RRs into the ``wanted`` ones.

    Unbound adds an RR to the RRset already there and removes a name with all its data, so a name
    whose data differs at all is removed and added again whole; names that already match are left alone.
    """
    live_names, wanted_names = _by_name(live), _by_name(wanted)
    remove = sorted(name for name, rrs in live_names.items() if wanted_names.get(name) != rrs)
    add = sorted(key for name, rrs in wanted_names.items() if live_names.get(name) != rrs for key in rrs)
    return remove, [rr_text(key) for key in add]


def rr_text(key):
    return "{0} {1} {2} {3} {4}".format(*key)


def rrs_text(keys):
    """The RRs one per line, sorted: what a diff shows."""
    return "".join(rr_text(key) + "\n" for key in sorted(keys))
