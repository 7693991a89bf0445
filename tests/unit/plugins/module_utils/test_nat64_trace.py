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
# The format of Jool's logging-bib (its documentation's sample, as journalctl -k -o cat prints it).
JOURNAL = """\
alpha 2026/12/2 15:4:1 (GMT) - Mapped 2001:db8:100:a::10#40512 to 198.51.100.20#61022 (TCP)
some other kernel line
alpha 2026/12/2 15:4:2 (GMT) - Mapped 2001:db8:200:1::5#19945 to 198.51.100.20#61022 (UDP)
alpha 2026/12/2 15:9:30 (GMT) - Forgot 2001:db8:100:a::10#40512 to 198.51.100.20#61022 (TCP)
alpha 2026/12/2 15:10:0 (GMT) - Mapped 2001:db8:100:b::77#50000 to 198.51.100.20#61022 (TCP)
alpha 2026/12/2 15:10:5 (GMT) - Forgot 2001:db8:100:c::1#1234 to 198.51.100.20#61500 (ICMP)
"""
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
