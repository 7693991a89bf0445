"""Local data of the gateway names: the config lines and the unbound-control plan that makes Unbound hold them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils._unbound_local_data import (
    local_data_lines,
    rr_key,
    rrs_text,
    sync_plan,
    zone_rrs,
)

ZONE = "ip4-gw.example.net"
CAROL = {"name": "https-carol-web-ip4-gw.ip4-gw.example.net", "type": "A", "value": "198.51.100.75", "ttl": 300}

# What unbound-control list_local_data prints (Unbound 1.17): tab-separated, every local zone.
LISTING = (
    "ipv4only.arpa.\t300\tIN\tA\t192.0.0.170\n"
    "ipv4only.arpa.\t300\tIN\tAAAA\t2001:db8:46::c000:aa\n"
    "https-carol-web-ip4-gw.ip4-gw.example.net.\t300\tIN\tA\t198.51.100.75\n"
    "ssh-carol-web-ip4-gw.ip4-gw.example.net.\t300\tIN\tA\t198.51.100.75\n"
)


def test_lines_are_absolute_lower_case_with_the_default_ttl_and_sorted():
    records = [CAROL, {"name": "SSH-Carol-Web-ip4-gw.ip4-gw.example.net.", "type": "a", "value": "198.51.100.75"}]
    assert local_data_lines(records, 60) == [
        "https-carol-web-ip4-gw.ip4-gw.example.net. 300 IN A 198.51.100.75",
        "ssh-carol-web-ip4-gw.ip4-gw.example.net. 60 IN A 198.51.100.75",
    ]


def test_rr_key_reads_what_unbound_prints_and_compresses_addresses():
    assert rr_key("X.ip4-gw.example.net.\t300\tIN\tAAAA\t2001:0db8:0:0::1") == (
        "x.ip4-gw.example.net.", 300, "IN", "AAAA", "2001:db8::1")
    with pytest.raises(ValueError):
        rr_key("x.ip4-gw.example.net. 300 IN")


def test_only_the_zone_and_below_is_read_from_the_listing():
    assert {key[0] for key in zone_rrs(LISTING, ZONE)} == {
        "https-carol-web-ip4-gw.ip4-gw.example.net.", "ssh-carol-web-ip4-gw.ip4-gw.example.net."}
    assert zone_rrs(LISTING + "evilip4-gw.example.net.\t300\tIN\tA\t198.51.100.1\n", ZONE) == zone_rrs(LISTING, ZONE)


def test_nothing_to_do_when_live_equals_wanted():
    live = zone_rrs(LISTING, ZONE)
    assert sync_plan(live, set(live)) == ([], [])


def test_a_new_name_is_added_a_gone_one_removed_and_a_changed_one_replaced_whole():
    live = zone_rrs(LISTING, ZONE)
    wanted = {rr_key(line) for line in local_data_lines([
        dict(CAROL, value="198.51.100.76"),
        {"name": "https-dave-web-ip4-gw.ip4-gw.example.net", "type": "A", "value": "198.51.100.75", "ttl": 300},
    ], 300)}
    remove, add = sync_plan(live, wanted)
    assert remove == ["https-carol-web-ip4-gw.ip4-gw.example.net.", "ssh-carol-web-ip4-gw.ip4-gw.example.net."]
    assert add == ["https-carol-web-ip4-gw.ip4-gw.example.net. 300 IN A 198.51.100.76",
                   "https-dave-web-ip4-gw.ip4-gw.example.net. 300 IN A 198.51.100.75"]


def test_diff_text_is_one_sorted_rr_a_line():
    assert rrs_text(zone_rrs(LISTING, ZONE)).splitlines()[0] == "https-carol-web-ip4-gw.ip4-gw.example.net. 300 IN A 198.51.100.75"


def apply_like_unbound(live, remove, add):
    """local_datas_remove drops a name with all its data; local_datas adds an RR to what the name has."""
    kept = {key for key in live if key[0] not in remove}
    return kept | {rr_key(line) for line in add}


RRS = st.builds(
    lambda label, ttl, rtype, host: (f"{label}.{ZONE}.", ttl, "IN", rtype,
                                     f"198.51.100.{host}" if rtype == "A" else f"2001:db8::{host:x}"),
    st.sampled_from(["a", "b", "c", "d"]), st.sampled_from([60, 300]), st.sampled_from(["A", "AAAA"]),
    st.integers(1, 4))


@given(st.sets(RRS, max_size=8), st.sets(RRS, max_size=8))
def test_the_plan_applied_the_way_unbound_applies_it_gives_exactly_what_was_wanted(live, wanted):
    remove, add = sync_plan(live, wanted)
    assert apply_like_unbound(live, remove, add) == wanted
    assert sync_plan(wanted, wanted) == ([], [])
