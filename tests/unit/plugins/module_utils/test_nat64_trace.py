"""Unit tests for module_utils/_nat64_trace.py: Jool's BIB log to a customer and VM."""

import datetime

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._nat64_trace import (
    held_at,
    journal_window,
    mappings,
    owner,
    parse_bib_events,
    parse_time,
    trace,
)

UTC = datetime.timezone.utc
# Jool 4.1.9's logging-bib lines as the kernel guest's journal holds them (journalctl -k -o cat),
# with the addresses of this test's model; "Forgot" as Jool logs an expired entry.
JOURNAL = """\
Jool: default 2026/12/2 15:4:1 (GMT) - Mapped 2001:db8:100:a::10#40512 to 198.51.100.20#61022 (TCP)
jool_common: loading out-of-tree module taints kernel.
Jool: default 2026/12/2 15:4:2 (GMT) - Mapped 2001:db8:200:1::5#19945 to 198.51.100.20#61022 (UDP)
Jool: default 2026/12/2 15:9:30 (GMT) - Forgot 2001:db8:100:a::10#40512 to 198.51.100.20#61022 (TCP)
Jool: default 2026/12/2 15:10:0 (GMT) - Mapped 2001:db8:100:b::77#50000 to 198.51.100.20#61022 (TCP)
Jool: default 2026/12/2 15:10:5 (GMT) - Forgot 2001:db8:100:c::1#1234 to 198.51.100.20#61500 (ICMP)
"""
# Verbatim from the guest: alice's first connection and an ICMP mapping expiring.
GUEST_LINES = [
    "Jool: default 2026/12/2 15:3:47 (GMT) - Mapped 2001:db8:110::10#47874 to 198.51.100.1#61001 (TCP)",
    "Jool: default 2026/12/2 15:4:37 (GMT) - Forgot 2001:db8:110::10#587 to 198.51.100.1#61004 (ICMP)",
]
MODEL = {
    "customers": [{"name": "alice", "prefix": "2001:db8:100:a::/64"}, {"name": "bob", "prefix": "2001:db8:100:b::/64"}],
    "vms": [
        {"customer": "alice", "name": "alice-web", "ipv6": "2001:db8:100:a::10"},
        {"customer": "bob", "name": "bob-web", "ipv6": "2001:db8:100:b::10"},
    ],
    "vpn_peers": [{"customer": "alice", "vm": "alice-web", "name": "alice-laptop", "prefix": "2001:db8:200:1::/64"}],
}


def test_parse_bib_events_reads_only_bib_lines():
    events = parse_bib_events(JOURNAL)
    assert len(events) == 5
    assert events[0] == {
        "at": datetime.datetime(2026, 12, 2, 15, 4, 1, tzinfo=UTC),
        "action": "Mapped",
        "ipv6": "2001:db8:100:a::10",
        "port6": 40512,
        "ipv4": "198.51.100.20",
        "port4": 61022,
        "protocol": "TCP",
    }


def test_parse_the_guest_lines():
    events = parse_bib_events(GUEST_LINES)
    assert [(e["at"].isoformat(), e["action"], e["ipv6"], e["port6"], e["ipv4"], e["port4"], e["protocol"]) for e in events] == [
        ("2026-12-02T15:03:47+00:00", "Mapped", "2001:db8:110::10", 47874, "198.51.100.1", 61001, "TCP"),
        ("2026-12-02T15:04:37+00:00", "Forgot", "2001:db8:110::10", 587, "198.51.100.1", 61004, "ICMP"),
    ]


def test_a_new_mapping_of_the_same_pool4_port_ends_the_previous_one():
    # `jool bib remove` drops an entry without a Forgot line; the port's next mapping bounds it.
    lines = [
        "Jool: default 2026/12/2 15:0:0 (GMT) - Mapped 2001:db8:100:a::10#1000 to 198.51.100.20#61001 (TCP)",
        "Jool: default 2026/12/2 15:5:0 (GMT) - Mapped 2001:db8:100:b::10#2000 to 198.51.100.20#61001 (TCP)",
    ]
    entries = mappings(parse_bib_events(lines))
    assert entries[0]["end"] == entries[1]["start"]
    found = held_at(entries, "198.51.100.20", 61001, "2026-12-02T15:07:00Z")
    assert [e["ipv6"] for e in found] == ["2001:db8:100:b::10"]


def test_session_lines_are_not_bib_lines():
    line = "alpha 2015/4/8 17:1:47 (GMT) - Added session 1::5#47073|64:ff9b::c000:205#80|192.0.2.2#63527|192.0.2.5#80|TCP"
    assert parse_bib_events([line]) == []


def test_mappings_pair_mapped_and_forgot():
    entries = mappings(parse_bib_events(JOURNAL))
    tcp = entries[0]
    assert (tcp["start"].minute, tcp["end"].minute) == (4, 9)
    assert entries[1]["end"] is None
    # Forgotten inside the window, made before it.
    assert entries[3]["start"] is None and entries[3]["protocol"] == "ICMP"


@pytest.mark.parametrize(
    ("at", "protocol", "expected"),
    [
        ("2026-12-02T15:05:00Z", None, [("TCP", "2001:db8:100:a::10"), ("UDP", "2001:db8:200:1::5")]),
        ("2026-12-02T15:05:00Z", "tcp", [("TCP", "2001:db8:100:a::10")]),
        ("2026-12-02T16:05:00+01:00", "TCP", [("TCP", "2001:db8:100:a::10")]),
        ("2026-12-02T15:12:00", "TCP", [("TCP", "2001:db8:100:b::77")]),
        ("2026-12-02T15:04:00Z", "TCP", [("TCP", "2001:db8:100:a::10")]),
        ("2026-12-02T15:03:58Z", "TCP", []),
    ],
)
def test_held_at_finds_the_mapping_alive_then(at, protocol, expected):
    found = held_at(mappings(parse_bib_events(JOURNAL)), "198.51.100.20", 61022, at, protocol=protocol)
    assert [(e["protocol"], e["ipv6"]) for e in found] == expected


def test_slack_widens_the_window():
    entries = mappings(parse_bib_events(JOURNAL))
    assert held_at(entries, "198.51.100.20", 61022, "2026-12-02T15:03:30Z", protocol="TCP") == []
    assert len(held_at(entries, "198.51.100.20", 61022, "2026-12-02T15:03:30Z", slack=30, protocol="TCP")) == 1


@pytest.mark.parametrize(
    ("ipv6", "who"),
    [
        ("2001:db8:100:a::10", ("alice", "alice-web", None)),
        ("2001:db8:200:1::5", ("alice", "alice-web", "alice-laptop")),
        ("2001:db8:100:b::77", ("bob", None, None)),
    ],
)
def test_owner(ipv6, who):
    found = owner(ipv6, MODEL)
    assert (found["customer"], found["vm"], found["peer"]) == who


def test_owner_of_a_stranger_is_none():
    assert owner("2001:db8:999::1", MODEL) is None


def test_trace_answers_customer_vm_address_and_port():
    report = trace(JOURNAL, "198.51.100.20", "61022", "2026-12-02T15:05:00Z", MODEL, protocol="TCP")
    assert [(a["customer"], a["vm"], a["ipv6"], a["port6"]) for a in report["answers"]] == [
        ("alice", "alice-web", "2001:db8:100:a::10", 40512)
    ]
    assert "customer alice, VM alice-web (VM address)" in report["summary"]
    assert "[2001:db8:100:a::10]:40512" in report["summary"]


def test_trace_says_why_nothing_matched():
    none_logged = trace("kernel: nothing here\n", "198.51.100.20", 61022, "2026-12-02T15:05:00Z", MODEL)
    assert none_logged["answers"] == []
    assert "no Jool BIB log line" in none_logged["summary"] and "TAYGA" in none_logged["summary"]
    other_port = trace(JOURNAL, "198.51.100.20", 61023, "2026-12-02T15:05:00Z", MODEL)
    assert other_port["answers"] == []
    assert "5 BIB log lines in the window, none of them held this address and port" in other_port["summary"]


def test_parse_time_forms():
    assert parse_time("2026-12-02T15:04:05Z") == datetime.datetime(2026, 12, 2, 15, 4, 5, tzinfo=UTC)
    assert parse_time("2026-12-02 15:04:05") == datetime.datetime(2026, 12, 2, 15, 4, 5, tzinfo=UTC)
    assert parse_time(1796223845) == parse_time("1796223845") == datetime.datetime(2026, 12, 2, 15, 4, 5, tzinfo=UTC)
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_time("yesterday")


def test_journal_window_reaches_back_lookback_seconds():
    assert journal_window("2026-12-02T15:04:05Z", 3600, slack=10) == {"since": 1796220234, "until": 1796223857}
