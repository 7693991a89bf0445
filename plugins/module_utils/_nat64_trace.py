"""Abuse traceability for Jool NAT64: from an IPv4 address, port and time to the customer.

Jool's `logging-bib` writes one kernel log line when a mapping (BIB entry) is
made and one when it expires, with Jool's own UTC timestamp, as Jool 4.1.9 on
Debian 12's kernel writes them (journalctl -k -o cat):

    Jool: default 2026/12/2 15:3:47 (GMT) - Mapped 2001:db8:110::10#47874 to 198.51.100.1#61001 (TCP)
    Jool: default 2026/12/2 15:4:37 (GMT) - Forgot 2001:db8:110::10#587 to 198.51.100.1#61004 (ICMP)

Pure functions with no Ansible imports: parse those lines, find the mapping that
held the reported transport address at the reported time, and name its owner
from the customer model.
"""

import datetime
import ipaddress
import re

_BIB_LINE = re.compile(
    r"(?P<date>\d{4}/\d{1,2}/\d{1,2}) (?P<time>\d{1,2}:\d{1,2}:\d{1,2}) \(GMT\) - "
    r"(?P<action>Mapped|Forgot) (?P<ipv6>[0-9A-Fa-f:.]+)#(?P<port6>\d+) "
    r"to (?P<ipv4>[0-9.]+)#(?P<port4>\d+) \((?P<protocol>TCP|UDP|ICMP)\)"
)
PROTOCOLS = ("TCP", "UDP", "ICMP")


def parse_time(value):
    """A UTC datetime from ISO 8601 text (no zone means UTC) or POSIX seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return datetime.datetime.fromtimestamp(float(text), tz=datetime.timezone.utc)
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError:
        raise ValueError(f"time {value!r} is not ISO 8601 (e.g. 2026-12-02T15:04:05Z) or POSIX seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def parse_bib_events(lines):
    """Jool logging-bib events, in log order: [{at, action, ipv6, port6, ipv4, port4, protocol}]."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    events = []
    for line in lines:
        match = _BIB_LINE.search(line)
        if not match:
            continue
        year, month, day = (int(x) for x in match.group("date").split("/"))
        hour, minute, second = (int(x) for x in match.group("time").split(":"))
        events.append({
            "at": datetime.datetime(year, month, day, hour, minute, second, tzinfo=datetime.timezone.utc),
            "action": match.group("action"),
            "ipv6": str(ipaddress.IPv6Address(match.group("ipv6"))),
            "port6": int(match.group("port6")),
            "ipv4": match.group("ipv4"),
            "port4": int(match.group("port4")),
            "protocol": match.group("protocol"),
        })
    return events


def mappings(events):
    """Pair each Mapped with the Forgot of the same BIB entry: [{..., start, end}] (end None: still open).

    A pool4 transport address belongs to one BIB entry at a time, so a new mapping
    of it also ends the previous one: `jool bib remove` and pool4 changes drop
    entries without logging Forgot.
    """
    open_by_ipv4, result = {}, []
    for event in events:
        entry = {k: event[k] for k in ("protocol", "ipv6", "port6", "ipv4", "port4")}
        ipv4_key = (event["protocol"], event["ipv4"], event["port4"])
        previous = open_by_ipv4.get(ipv4_key)
        if event["action"] == "Mapped":
            if previous:
                previous["end"] = event["at"]
            entry.update(start=event["at"], end=None)
            open_by_ipv4[ipv4_key] = entry
            result.append(entry)
        elif previous and (previous["ipv6"], previous["port6"]) == (entry["ipv6"], entry["port6"]):
            open_by_ipv4.pop(ipv4_key)["end"] = event["at"]
        else:
            # Mapped before the window we read: known to have ended, start unknown.
            entry.update(start=None, end=event["at"])
            result.append(entry)
    return result


def held_at(entries, ipv4, port, at, slack=0, protocol=None):
    """The mappings of ipv4#port (any protocol unless given) alive at `at`, give or take slack seconds.

    Jool stamps whole seconds, so a mapping made or forgotten within the same
    second as `at` counts.
    """
    moment = parse_time(at)
    margin = datetime.timedelta(seconds=float(slack) + 1)
    wanted = str(ipaddress.IPv4Address(str(ipv4).strip()))
    proto = protocol.upper() if protocol else None
    return [
        entry for entry in entries
        if entry["ipv4"] == wanted and entry["port4"] == int(port)
        and (proto is None or entry["protocol"] == proto)
        and (entry["start"] is None or entry["start"] <= moment + margin)
        and (entry["end"] is None or entry["end"] >= moment - margin)
    ]


def owner(ipv6, model):
    """Who holds ipv6 in the customer model: {customer, vm, peer, matched_by}, or None."""
    address = ipaddress.IPv6Address(ipv6)
    for vm in model.get("vms", []):
        if vm.get("ipv6") and ipaddress.IPv6Address(vm["ipv6"]) == address:
            return {"customer": vm["customer"], "vm": vm["name"], "peer": None, "matched_by": "VM address"}
    for peer in model.get("vpn_peers", []):
        if address in ipaddress.IPv6Network(peer["prefix"]):
            return {"customer": peer["customer"], "vm": peer["vm"], "peer": peer["name"],
                    "matched_by": f"VPN peer prefix {peer['prefix']}"}
    for customer in model.get("customers", []):
        if customer.get("prefix") and address in ipaddress.IPv6Network(customer["prefix"]):
            return {"customer": customer["name"], "vm": None, "peer": None,
                    "matched_by": f"customer prefix {customer['prefix']} (no VM has this exact address)"}
    return None


def journal_window(at, lookback, slack=0):
    """POSIX seconds [since, until] of the kernel journal to read for a report at `at`.

    A mapping alive at `at` was made at most lookback seconds earlier (the longest
    a BIB entry may live: an established TCP session can outlive any timeout, so
    the operator chooses); it is seen ending up to slack seconds later.
    """
    moment = parse_time(at).timestamp()
    return {"since": int(moment - float(lookback) - float(slack)) - 1, "until": int(moment + float(slack)) + 2}


def trace(journal, ipv4, port, at, model, slack=0, protocol=None):
    """Answer an abuse report: {answers: [...], summary: text}."""
    events = parse_bib_events(journal)
    found = held_at(mappings(events), ipv4, port, at, slack, protocol)
    moment = parse_time(at).isoformat()
    answers = []
    for entry in found:
        who = owner(entry["ipv6"], model) or {"customer": None, "vm": None, "peer": None,
                                              "matched_by": "no customer in the model holds this address"}
        answers.append(dict(entry, **who,
                            start=entry["start"].isoformat() if entry["start"] else None,
                            end=entry["end"].isoformat() if entry["end"] else None))
    return {"answers": answers, "summary": _summary(answers, events, ipv4, port, moment, protocol)}


def _summary(answers, events, ipv4, port, moment, protocol):
    asked = f"{ipv4}#{port}{' (' + protocol.upper() + ')' if protocol else ''} at {moment}"
    if not events:
        return (f"No match for {asked}: the journal window holds no Jool BIB log line. Either logging-bib "
                f"was off, the journal was rotated, the window is too short, or this host runs TAYGA, "
                f"which keeps no BIB log.")
    if not answers:
        return (f"No match for {asked}: {len(events)} BIB log lines in the window, none of them held this "
                f"address and port at that time. Check the address is this gateway's pool4 and the time zone.")
    lines = [f"{asked} was:"]
    for a in answers:
        span = f"mapped {a['start'] or 'before the window'} until {a['end'] or 'still mapped'}"
        who = (f"customer {a['customer']}, VM {a['vm'] or '(unknown)'}"
               + (f", VPN peer {a['peer']}" if a["peer"] else "")) if a["customer"] else "no customer"
        lines.append(f"  {a['protocol']} [{a['ipv6']}]:{a['port6']} -> {a['ipv4']}#{a['port4']}, {span}; "
                     f"{who} ({a['matched_by']})")
    return "\n".join(lines)
