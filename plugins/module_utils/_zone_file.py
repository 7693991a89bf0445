"""RFC 1035 master files for the gateway names, with a serial that only moves when the records do.

Pure functions with no Ansible imports. The serial is the one piece of state a
zone file carries: secondaries transfer only when it grows, so it must grow on
every change and stay put otherwise (idempotent runs). The previous file's
text is the state; nothing else is kept.
"""

import ipaddress
import re

# RFC 1912 section 2.2 style timers; the negative-caching TTL follows the records' TTL.
SOA_TIMERS = (3600, 600, 1209600)
_SERIAL_LINE = re.compile(r"^(\s*)(\d+)(\s*; serial)$", re.MULTILINE)
_TYPES = {"A": 4, "AAAA": 6}


def _absolute(name):
    return str(name).rstrip(".").lower() + "."


def _record_line(record, origin, default_ttl):
    name = _absolute(record.get("name", ""))
    if name != origin and not name.endswith("." + origin):
        raise ValueError(f"record {record!r}: name {name!r} is outside the zone {origin!r}")
    rtype = str(record.get("type", "")).upper()
    if rtype not in _TYPES:
        raise ValueError(f"record {record!r}: type {rtype!r} is not one of {', '.join(sorted(_TYPES))}")
    try:
        value = ipaddress.ip_address(str(record.get("value", "")))
    except ValueError:
        raise ValueError(f"record {record!r}: value is not an IP address") from None
    if value.version != _TYPES[rtype]:
        raise ValueError(f"record {record!r}: an {rtype} record needs an IPv{_TYPES[rtype]} address")
    ttl = int(record.get("ttl") or default_ttl)
    return f"{name} {ttl} IN {rtype} {value.compressed}"


def previous_serial(text):
    """The serial of a file this module wrote earlier, or None."""
    match = _SERIAL_LINE.search(text or "")
    return int(match.group(2)) if match else None


def render_zone(records, origin, nameservers, hostmaster, ttl, previous=""):
    """Return the master file of origin holding records (A/AAAA mappings with name, type, value, ttl).

    The serial is previous's when nothing else changed, otherwise previous's + 1
    (1 for a new file), wrapping as RFC 1982 allows.
    """
    origin = _absolute(origin)
    if not nameservers:
        raise ValueError(f"zone {origin!r} needs at least one name server for its NS and SOA records")
    ttl = int(ttl)
    lines = sorted({_record_line(record, origin, ttl) for record in records or []})
    mname = _absolute(nameservers[0])
    rname = _absolute(str(hostmaster).replace("@", "."))
    body = "\n".join(
        [
            "; Gateway names of the v6only gateway, rendered from the forward table. Do not edit.",
            f"$ORIGIN {origin}",
            f"$TTL {ttl}",
            f"{origin} {ttl} IN SOA {mname} {rname} (",
            "    {serial} ; serial",
            *(f"    {timer}" for timer in SOA_TIMERS),
            f"    {ttl} )",
            *(f"{origin} {ttl} IN NS {_absolute(ns)}" for ns in nameservers),
            *lines,
            "",
        ]
    )
    old = previous_serial(previous)
    if old is not None and _SERIAL_LINE.sub(r"\1{serial}\3", previous) == body:
        return previous
    serial = 1 if old is None else (old + 1) % 2**32 or 1
    return body.replace("{serial}", str(serial), 1)
