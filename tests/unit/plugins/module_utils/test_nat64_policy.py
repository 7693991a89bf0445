"""Unit and property tests for module_utils/_nat64_policy.py and nat64_embed_prefix in _addresses.py."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import (
    NAT64_PREFIX_LENGTHS,
    nat64_embed,
    nat64_embed_prefix,
)
from ansible_collections.v6only.gateway.plugins.module_utils._nat64_policy import (
    bib_changes,
    customer_marks,
    customer_sources,
    deny_prefixes,
    duration_seconds,
    pool4_partition,
    port_range,
    reuse_delay_problems,
    slice_sizes,
    source_marks,
)

# RFC 6052 section 2.4's prefixes, one per length: the /28 shows the u octet skipped.
PREFIXES = {
    32: "2001:db8::/32",
    40: "2001:db8:100::/40",
    48: "2001:db8:122::/48",
    56: "2001:db8:122:300::/56",
    64: "2001:db8:122:344::/64",
    96: "2001:db8:122:344::/96",
}
# Per RFC 6052 length: 10.0.0.0/8 and 192.0.2.32/28 under PREFIXES[length].
EMBED_PREFIX_BY_LENGTH = {
    32: ("2001:db8:a00::/40", "2001:db8:c000:220::/60"),
    40: ("2001:db8:10a::/48", "2001:db8:1c0:2:20::/76"),
    48: ("2001:db8:122:a00::/56", "2001:db8:122:c000:2:2000::/84"),
    56: ("2001:db8:122:30a::/64", "2001:db8:122:3c0:0:220::/92"),
    64: ("2001:db8:122:344:a::/80", "2001:db8:122:344:c0:2:2000:0/100"),
    96: ("2001:db8:122:344::a00:0/104", "2001:db8:122:344::c000:220/124"),
}
EMBED_PREFIX_VECTORS = [(length, ipv4, ipv6) for length, both in EMBED_PREFIX_BY_LENGTH.items()
                        for ipv4, ipv6 in zip(("10.0.0.0/8", "192.0.2.32/28"), both)]
POOL4 = [{"prefix": "198.51.100.1/32", "port_range": "61001-65535"}]


def with_quotas(*sizes):
    """Model customers c0, c1, ... with these nat64_ports quotas."""
    return [{"name": f"c{i}", "quotas": {"nat64_ports": size}} for i, size in enumerate(sizes)]


@pytest.mark.parametrize(("length", "ipv4", "ipv6"), EMBED_PREFIX_VECTORS)
def test_embed_prefix_every_rfc6052_length(length, ipv4, ipv6):
    assert nat64_embed_prefix(ipv4, PREFIXES[length]) == ipv6


# A /32 fills 32 bits after the prefix, plus the u octet when it crosses bit 64.
@pytest.mark.parametrize(("length", "host_length"), [(32, 64), (40, 80), (48, 88), (56, 96), (64, 104), (96, 128)])
def test_a_host_prefix_is_the_embedded_address(length, host_length):
    expected = f"{nat64_embed('198.51.100.7', PREFIXES[length])}/{host_length}"
    assert nat64_embed_prefix("198.51.100.7/32", PREFIXES[length]) == expected


def test_well_known_prefix_takes_private_ranges_for_refusal():
    assert nat64_embed_prefix("10.0.0.0/8", "64:ff9b::/96") == "64:ff9b::a00:0/104"


@pytest.mark.parametrize(
    ("ipv4", "prefix", "message"),
    [
        ("10.0.0.1/8", "2001:db8::/96", "host bits set"),
        ("2001:db8::/64", "2001:db8::/96", "expected IPv4"),
        ("10.0.0.0/8", "2001:db8::/80", "RFC 6052 allows only"),
    ],
)
def test_embed_prefix_refuses(ipv4, prefix, message):
    with pytest.raises(ValueError, match=message):
        nat64_embed_prefix(ipv4, prefix)


ipv4_networks = st.builds(
    lambda address, length: ipaddress.IPv4Network((address, length), strict=False),
    st.ip_addresses(v=4),
    st.integers(min_value=0, max_value=32),
)


@given(network=ipv4_networks, length=st.sampled_from(NAT64_PREFIX_LENGTHS), host=st.ip_addresses(v=4))
def test_embedded_prefix_holds_exactly_the_embedded_addresses(network, length, host):
    pool6 = PREFIXES[length]
    prefix6 = ipaddress.IPv6Network(nat64_embed_prefix(str(network), pool6))
    assert prefix6.subnet_of(ipaddress.IPv6Network(pool6))
    embedded = ipaddress.IPv6Address(nat64_embed(str(host), pool6))
    assert (embedded in prefix6) == (host in network)


def test_deny_prefixes_collapse_and_keep_lab_addresses():
    assert deny_prefixes(["10.0.0.0/8", "10.1.0.0/16", "198.51.100.77/32"], "2001:db8:46::/96") == [
        "2001:db8:46::a00:0/104",
        "2001:db8:46::c633:644d/128",
    ]


@pytest.mark.parametrize(("text", "pair"), [("61001-65535", (61001, 65535)), (" 1 - 1 ", (1, 1)), ("0-65535", (0, 65535))])
def test_port_range(text, pair):
    assert port_range(text) == pair


@pytest.mark.parametrize("text", ["61001", "9-8", "1-65536", "a-b", ""])
def test_port_range_refuses(text):
    with pytest.raises(ValueError, match="port range"):
        port_range(text)


def test_partition_gives_each_customer_its_slice_and_the_rest_to_mark_0():
    assert pool4_partition(POOL4, ["alice", "bob"], 512) == [
        {"mark": 1, "customer": "alice", "prefix": "198.51.100.1/32", "port_range": "61001-61512"},
        {"mark": 2, "customer": "bob", "prefix": "198.51.100.1/32", "port_range": "61513-62024"},
        {"mark": 0, "customer": None, "prefix": "198.51.100.1/32", "port_range": "62025-65535"},
    ]


def test_partition_moves_to_the_next_item_when_one_is_full():
    pool4 = [{"prefix": "198.51.100.1/32", "port_range": "61001-61100"},
             {"prefix": "198.51.100.2/31", "port_range": "61001-61100"}]
    slices = pool4_partition(pool4, [{"name": "a"}, {"name": "b"}, {"name": "c"}], 40)
    assert [(s["mark"], s["prefix"], s["port_range"]) for s in slices] == [
        (1, "198.51.100.1/32", "61001-61040"),
        (2, "198.51.100.1/32", "61041-61080"),
        (3, "198.51.100.2/31", "61001-61040"),
        (0, "198.51.100.1/32", "61081-61100"),
        (0, "198.51.100.2/31", "61041-61100"),
    ]


def test_partition_refuses_a_pool4_too_small_and_says_what_fits():
    with pytest.raises(ValueError) as raised:
        pool4_partition([{"prefix": "198.51.100.1/32", "port_range": "61001-61100"}], ["a", "b", "c"], 40)
    message = str(raised.value)
    assert "holds 100 ports, but 3 customers' slices take 120 (nat64_ports 40 to 40, each slice inside one item)" in message
    assert "plus at least 40 for sources without a customer" in message
    assert "Fix: lower nat64_ports in v6only_gateway_registry.quotas or the customers' own quotas (at most 25 each" in message


def test_partition_refuses_when_nothing_is_left_for_sources_without_a_customer():
    with pytest.raises(ValueError, match="plus at least 50 for sources without a customer"):
        pool4_partition([{"prefix": "198.51.100.1/32", "port_range": "1-100"}], ["a", "b"], 50)


def test_sources_without_a_customer_keep_at_least_the_largest_slice():
    pool4 = [{"prefix": "198.51.100.1/32", "port_range": "1-100"}]
    assert pool4_partition(pool4, with_quotas(10, 30))[-1]["port_range"] == "41-100"
    with pytest.raises(ValueError, match="take 70 .* plus at least 60 for sources without a customer"):
        pool4_partition(pool4, with_quotas(10, 60))


def test_partition_without_customers_leaves_pool4_whole():
    assert pool4_partition(POOL4, [], 512) == [
        {"mark": 0, "customer": None, "prefix": "198.51.100.1/32", "port_range": "61001-65535"}
    ]


@pytest.mark.parametrize("size", [0, -1, True, "512", 1.5])
def test_partition_refuses_a_bad_quota(size):
    with pytest.raises(ValueError, match="'a': .* ports per customer is not a whole number of ports, at least 1"):
        pool4_partition(POOL4, ["a"], size)


def test_partition_refuses_a_bad_quota_in_the_model():
    with pytest.raises(ValueError, match="'c1': 0 ports per customer"):
        pool4_partition(POOL4, with_quotas(8, 0))


def test_partition_needs_a_size_for_every_customer():
    with pytest.raises(ValueError, match="customer 'a' has no quotas.nat64_ports"):
        pool4_partition(POOL4, ["a"])


def test_model_customers_get_slices_of_their_own_quota():
    slices = pool4_partition(POOL4, with_quotas(8, 100, 8))
    assert [(s["mark"], s["customer"], s["port_range"]) for s in slices] == [
        (1, "c0", "61001-61008"), (2, "c1", "61009-61108"), (3, "c2", "61109-61116"), (0, None, "61117-65535")]


def test_slice_sizes_prefer_the_model_quota_to_the_fallback():
    assert slice_sizes([{"name": "a", "quotas": {"nat64_ports": 8}}, "b", {"name": "c"}], 512) == [8, 512, 512]


def test_a_slice_that_does_not_fit_goes_to_the_next_item_and_the_rest_keeps_the_gap():
    pool4 = [{"prefix": "198.51.100.1/32", "port_range": "1-100"}, {"prefix": "198.51.100.2/32", "port_range": "1-100"}]
    assert [(s["mark"], s["prefix"], s["port_range"]) for s in pool4_partition(pool4, with_quotas(60, 50, 10))] == [
        (1, "198.51.100.1/32", "1-60"),
        (2, "198.51.100.2/32", "1-50"),
        (3, "198.51.100.2/32", "51-60"),
        (0, "198.51.100.1/32", "61-100"),
        (0, "198.51.100.2/32", "61-100"),
    ]


def test_partition_refuses_overlapping_pool4_items():
    pool4 = [{"prefix": "198.51.100.0/30", "port_range": "1000-2000"}, {"prefix": "198.51.100.2/32", "port_range": "2000-3000"}]
    with pytest.raises(ValueError, match="share addresses and ports"):
        pool4_partition(pool4, ["a"], 10)


def test_customer_marks_refuse_repeated_names():
    with pytest.raises(ValueError, match="repeat"):
        customer_marks(["a", "a"])


pool4_items = st.lists(
    st.tuples(st.integers(0, 255), st.integers(1, 65535), st.integers(0, 3000)).map(
        lambda t: {"prefix": f"198.51.100.{t[0]}/32", "port_range": f"{t[1]}-{min(65535, t[1] + t[2])}"}
    ),
    min_size=1,
    max_size=4,
)


def _ports(entries):
    for entry in entries:
        first, last = port_range(entry["port_range"])
        yield from ((entry["prefix"], port) for port in range(first, last + 1))


quota_lists = st.lists(st.integers(1, 700), max_size=12)


@given(pool4=pool4_items, quotas=quota_lists)
def test_partition_slices_never_overlap_and_stay_inside_pool4(pool4, quotas):
    customers = with_quotas(*quotas)
    try:
        slices = pool4_partition(pool4, customers)
    except ValueError as error:
        assert "Fix:" in str(error)
        return
    inside = set(_ports(pool4))
    seen = set()
    for entry in slices:
        ports = set(_ports([entry]))
        assert ports <= inside
        assert not ports & seen
        seen |= ports
    assert seen == inside
    for customer, (name, mark) in zip(customers, customer_marks(customers).items()):
        mine = [s for s in slices if s["customer"] == name]
        assert [s["mark"] for s in mine] == [mark]
        assert len(set(_ports(mine))) == customer["quotas"]["nat64_ports"]


@given(pool4=pool4_items, quotas=quota_lists, newcomer=st.integers(1, 700))
def test_appending_a_customer_keeps_every_earlier_slice(pool4, quotas, newcomer):
    customers = with_quotas(*quotas)
    try:
        after = pool4_partition(pool4, customers + [{"name": "newcomer", "quotas": {"nat64_ports": newcomer}}])
    except ValueError:
        return
    before = pool4_partition(pool4, customers)
    assert [s for s in after if s["mark"] and s["customer"] != "newcomer"] == [s for s in before if s["mark"]]


MODEL = {
    "customers": [{"name": "alice", "prefix": "2001:db8:100:a::/64"}, {"name": "bob", "prefix": None}],
    "vms": [
        {"customer": "alice", "name": "alice-web", "ipv6": "2001:db8:100:a::10"},
        {"customer": "bob", "name": "bob-db", "ipv6": "2001:db8:100:b::20"},
        {"customer": "bob", "name": "bob-web", "ipv6": "2001:db8:100:b::21"},
    ],
    "vpn_peers": [{"customer": "bob", "vm": "bob-web", "name": "bob-laptop", "prefix": "2001:db8:200:2::/64"}],
}


def test_customer_sources_are_prefix_vms_and_peers_collapsed():
    assert customer_sources(MODEL) == {
        "alice": ["2001:db8:100:a::/64"],
        "bob": ["2001:db8:100:b::20/127", "2001:db8:200:2::/64"],
    }


def test_source_marks_follow_the_model_order():
    assert source_marks(MODEL) == [
        {"source": "2001:db8:100:a::/64", "mark": 1, "customer": "alice"},
        {"source": "2001:db8:100:b::20/127", "mark": 2, "customer": "bob"},
        {"source": "2001:db8:200:2::/64", "mark": 2, "customer": "bob"},
    ]


def test_customers_sharing_a_source_are_refused():
    model = dict(MODEL, vms=MODEL["vms"] + [{"customer": "bob", "name": "bob-x", "ipv6": "2001:db8:100:a::99"}])
    with pytest.raises(ValueError, match="'alice' .* and 'bob' .* share sources"):
        source_marks(model)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("4:00", 240), ("2:00:00", 7200), ("5", 5), ("1:30.5", 90.5), ("0:02:00.250", 120.25), (300, 300)],
)
def test_duration_seconds(value, seconds):
    assert duration_seconds(value) == seconds


@pytest.mark.parametrize("value", ["4m", "1:2:3:4", "", -5, True])
def test_duration_refuses(value):
    with pytest.raises(ValueError, match="duration"):
        duration_seconds(value)


def test_reuse_delay_names_each_short_timeout():
    problems = reuse_delay_problems({"icmp-timeout": "1:00", "udp-timeout": "5:00", "tcp-trans-timeout": "1:59.999",
                                     "tcp-est-timeout": "1:00"})
    assert len(problems) == 2
    assert problems[0].startswith("tcp-trans-timeout is '1:59.999'")
    assert problems[1].startswith("icmp-timeout is '1:00'")
    assert reuse_delay_problems({"icmp-timeout": "2:00", "udp-timeout": "5:00", "tcp-trans-timeout": "4:00"}) == []


BIB_SHOWN = {"TCP": "Protocol,IPv6 Address,IPv6 L4-ID,IPv4 Address,IPv4 L4-ID,Static?\n"
                    "TCP,2001:db8:100:a::10,25,198.51.100.40,25,1\n"
                    "TCP,2001:db8:100:a::11,47874,198.51.100.40,61001,0\n"}
LENT = {"protocol": "TCP", "ipv6": "2001:db8:100:a::10#25", "ipv4": "198.51.100.40#25"}


@pytest.mark.parametrize("wanted, shown, actions", [
    ([LENT], BIB_SHOWN, []),
    ([dict(LENT, state="absent")], BIB_SHOWN, ["remove"]),
    ([dict(LENT, ipv4="198.51.100.40#26")], BIB_SHOWN, ["add"]),
    ([dict(LENT, protocol="UDP")], BIB_SHOWN, ["add"]),
    ([dict(LENT, protocol="UDP", state="absent")], {}, []),
    # A dynamic mapping of another address never counts as the static entry.
    ([dict(LENT, ipv6="2001:db8:100:a::1#25")], BIB_SHOWN, ["add"]),
], ids=["kept", "removed", "other-port", "other-protocol", "absent-already", "address-suffix"])
def test_bib_changes_touch_only_what_differs(wanted, shown, actions):
    changes = bib_changes(wanted, shown)
    assert [c["action"] for c in changes] == actions
    assert all({c["protocol"], c["ipv6"], c["ipv4"]} == {wanted[0]["protocol"], wanted[0]["ipv6"], wanted[0]["ipv4"]}
               for c in changes)


@pytest.mark.parametrize("parse, text", [(port_range, "61001-65535\n"), (duration_seconds, "4:00\n")])
def test_a_trailing_newline_is_refused_not_matched_by_dollar(parse, text):
    with pytest.raises(ValueError):
        parse(text)
