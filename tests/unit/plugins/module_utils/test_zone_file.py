"""The gateway zone file: valid RFC 1035 text, and a serial that moves exactly when the records do."""

import dns.zone
import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._zone_file import previous_serial, render_zone

ORIGIN = "ip4-gw.example.net"
RECORDS = [
    {"name": "https-alice-web-ip4-gw.ip4-gw.example.net", "type": "A", "value": "198.51.100.20", "ttl": 300},
    {"name": "ssh-alice-web-ip4-gw.ip4-gw.example.net.", "type": "AAAA", "value": "2001:db8:10:0::20"},
]


def render(records=RECORDS, previous=""):
    return render_zone(records, ORIGIN, ["ns1.example.net", "ns2.example.net"], "hostmaster@example.net", 600, previous)


def test_the_file_parses_as_a_zone_with_every_record():
    zone = dns.zone.from_text(render(), origin=ORIGIN + ".", relativize=False)
    assert zone.get_rdataset("https-alice-web-ip4-gw.ip4-gw.example.net.", "A")[0].address == "198.51.100.20"
    aaaa = zone.get_rdataset("ssh-alice-web-ip4-gw.ip4-gw.example.net.", "AAAA")
    assert aaaa[0].address == "2001:db8:10::20" and aaaa.ttl == 600
    soa = zone.get_rdataset(ORIGIN + ".", "SOA")[0]
    assert (str(soa.mname), str(soa.rname), soa.serial, soa.minimum) == (
        "ns1.example.net.", "hostmaster.example.net.", 1, 600)
    assert sorted(str(ns.target) for ns in zone.get_rdataset(ORIGIN + ".", "NS")) == [
        "ns1.example.net.", "ns2.example.net."]


def test_unchanged_records_keep_the_text_and_serial():
    first = render()
    assert render(list(reversed(RECORDS)), previous=first) == first


def test_a_change_bumps_the_serial_once():
    first = render()
    second = render(RECORDS[:1], previous=first)
    assert previous_serial(second) == 2
    assert render(RECORDS[:1], previous=second) == second
    assert "ssh-alice-web" not in second


def test_serial_wraps_without_reaching_zero():
    old = render().replace("1 ; serial", f"{2**32 - 1} ; serial")
    assert previous_serial(render(RECORDS[:1], previous=old)) == 1


def test_a_foreign_previous_file_starts_at_one():
    assert previous_serial(render(previous="; hand-written, no serial line\n")) == 1


@pytest.mark.parametrize(
    "record, message",
    [
        ({"name": "www.example.org", "type": "A", "value": "198.51.100.1"}, "outside the zone"),
        ({"name": "a.ip4-gw.example.net", "type": "MX", "value": "198.51.100.1"}, "type 'MX'"),
        ({"name": "a.ip4-gw.example.net", "type": "A", "value": "2001:db8::1"}, "needs an IPv4"),
        ({"name": "a.ip4-gw.example.net", "type": "AAAA", "value": "nope"}, "not an IP address"),
        ({"name": "evilip4-gw.example.net", "type": "A", "value": "198.51.100.1"}, "outside the zone"),
    ],
)
def test_bad_records_are_refused_with_the_record_named(record, message):
    with pytest.raises(ValueError, match=message):
        render([record])


def test_a_zone_needs_a_name_server():
    with pytest.raises(ValueError, match="at least one name server"):
        render_zone(RECORDS, ORIGIN, [], "hostmaster@example.net", 300)
