"""Unit and property tests for the address arithmetic in module_utils/_addresses.py."""

import ipaddress
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import (
    NAT64_PREFIX_LENGTHS,
    WELL_KNOWN_PREFIX,
    nat64_embed,
    nat64_extract,
    ptr_name,
    subnet_for,
)

# RFC 6052 section 2.4, with the /96 results in the compressed form we return.
# The RFC's own well-known-prefix row (64:ff9b::192.0.2.33) is deliberately absent:
# 192.0.2.33 is documentation space, so its section 3.1 forbids that very example.
RFC6052_EXAMPLES = [
    ("2001:db8::/32", "2001:db8:c000:221::"),
    ("2001:db8:100::/40", "2001:db8:1c0:2:21::"),
    ("2001:db8:122::/48", "2001:db8:122:c000:2:2100::"),
    ("2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::"),
    ("2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0"),
    ("2001:db8:122:344::/96", "2001:db8:122:344::c000:221"),
]

WELL_KNOWN_EXAMPLES = [
    ("9.9.9.9", "64:ff9b::909:909"),
    ("192.0.0.170", "64:ff9b::c000:aa"),
    ("192.0.0.171", "64:ff9b::c000:ab"),
]


def u_octet(ipv6):
    return int(ipaddress.IPv6Address(ipv6)) >> 56 & 0xFF


@pytest.mark.parametrize(("prefix", "ipv6"), RFC6052_EXAMPLES)
def test_embed_matches_rfc6052_table(prefix, ipv6):
    assert nat64_embed("192.0.2.33", prefix) == ipv6


@pytest.mark.parametrize(("prefix", "ipv6"), RFC6052_EXAMPLES)
def test_extract_matches_rfc6052_table(prefix, ipv6):
    assert nat64_extract(ipv6, prefix) == "192.0.2.33"


def test_extract_accepts_uncompressed_rfc_notation():
    assert nat64_extract("2001:db8:122:344::192.0.2.33", "2001:db8:122:344::/96") == "192.0.2.33"


@pytest.mark.parametrize(("ipv4", "ipv6"), WELL_KNOWN_EXAMPLES)
def test_well_known_prefix_round_trip(ipv4, ipv6):
    assert nat64_embed(ipv4, "64:ff9b::/96") == ipv6
    assert nat64_extract(ipv6, "64:ff9b::/96") == ipv4


def test_lab_example_from_customer_model():
    assert nat64_embed("192.0.2.33", "2001:db8:46::/96") == "2001:db8:46::c000:221"


def test_input_whitespace_is_tolerated():
    assert nat64_embed(" 192.0.2.33 ", " 2001:db8:46::/96 ") == "2001:db8:46::c000:221"


EMBED_ERRORS = [
    ("192.0.2.33", "2001:db8::/33",
     "NAT64 prefix '2001:db8::/33' has length /33; RFC 6052 allows only /32, /40, /48, /56, /64, /96"),
    ("192.0.2.33", "2001:db8::/128", "has length /128; RFC 6052 allows only"),
    ("192.0.2.33", "2001:db8::1/32", "NAT64 prefix '2001:db8::1/32' has host bits set; did you mean 2001:db8::/32?"),
    ("192.0.2.33", "2001:db8:0:0:100::/96",
     "NAT64 prefix '2001:db8:0:0:100::/96' sets bits 64-71, which RFC 6052 requires to be zero"),
    ("192.0.2.33", "198.51.100.0/24", "NAT64 prefix '198.51.100.0/24' is an IPv4 prefix, expected IPv6"),
    ("192.0.2.33", "nonsense", "NAT64 prefix 'nonsense' is not an IP prefix"),
    ("2001:db8::1", "2001:db8::/32", "IPv4 address '2001:db8::1' is an IPv6 address, expected IPv4"),
    ("192.0.2.0/24", "2001:db8::/32", "IPv4 address '192.0.2.0/24' is not an IP address"),
    ("192.0.2.256", "2001:db8::/32", "IPv4 address '192.0.2.256' is not an IP address"),
    ("192.0.2.33", "64:ff9b::/96",
     "IPv4 address '192.0.2.33' is not global and RFC 6052 section 3.1 forbids it with the well-known "
     "prefix 64:ff9b::/96; use a network-specific prefix"),
    ("10.1.2.3", "64:ff9b::/96", "'10.1.2.3' is not global"),
    ("100.64.0.1", "64:ff9b::/96", "'100.64.0.1' is not global"),
    ("192.0.0.169", "64:ff9b::/96", "'192.0.0.169' is not global"),
    ("192.0.0.172", "64:ff9b::/96", "'192.0.0.172' is not global"),
]


@pytest.mark.parametrize(("ipv4", "prefix", "message"), EMBED_ERRORS)
def test_embed_refuses(ipv4, prefix, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        nat64_embed(ipv4, prefix)


def test_non_global_ipv4_is_fine_with_a_network_specific_prefix():
    assert nat64_embed("10.1.2.3", "2001:db8:46::/96") == "2001:db8:46::a01:203"


EXTRACT_ERRORS = [
    ("192.0.2.33", "2001:db8::/32", "IPv6 address '192.0.2.33' is an IPv4 address, expected IPv6"),
    ("2001:db9:c000:221::", "2001:db8::/32", "IPv6 address '2001:db9:c000:221::' is not inside NAT64 prefix 2001:db8::/32"),
    ("2001:db8:47::c000:221", "2001:db8:46::/96", "is not inside NAT64 prefix 2001:db8:46::/96"),
    ("2001:db8:c000:221:100::", "2001:db8::/32",
     "IPv6 address '2001:db8:c000:221:100::' has a nonzero u octet (bits 64-71), so it is not an RFC 6052 address"),
    ("2001:db8:122:344:ffc0:2:2100:0", "2001:db8:122:344::/64", "has a nonzero u octet"),
    ("2001:db8:1c0:2:21::", "2001:db8:100::/41", "has length /41; RFC 6052 allows only"),
    ("2001:db8:1c0:2:21::", "2001:db8:100::/32", "has host bits set; did you mean 2001:db8::/32?"),
    ("64:ff9b::c000:221", "64:ff9b::/96", "IPv4 address '192.0.2.33' is not global and RFC 6052 section 3.1 forbids it"),
]


@pytest.mark.parametrize(("ipv6", "prefix", "message"), EXTRACT_ERRORS)
def test_extract_refuses(ipv6, prefix, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        nat64_extract(ipv6, prefix)


def test_extract_ignores_the_suffix():
    # RFC 6052 says the suffix SHOULD be zero but carries no IPv4 bits; a translator reads past it.
    assert nat64_extract("2001:db8:c000:221:0:ff:ff:ff", "2001:db8::/32") == "192.0.2.33"


ipv4_addresses = st.integers(min_value=0, max_value=2**32 - 1).map(lambda n: str(ipaddress.IPv4Address(n)))


@st.composite
def nat64_prefixes(draw):
    length = draw(st.sampled_from(NAT64_PREFIX_LENGTHS))
    bits = draw(st.integers(min_value=0, max_value=2**128 - 1))
    bits &= ~((1 << (128 - length)) - 1)
    bits &= ~(0xFF << 56)
    network = ipaddress.IPv6Network((bits, length))
    assume(network != WELL_KNOWN_PREFIX)
    return str(network)


@given(ipv4=ipv4_addresses, prefix=nat64_prefixes())
def test_embed_then_extract_is_identity(ipv4, prefix):
    ipv6 = nat64_embed(ipv4, prefix)
    assert ipaddress.IPv6Address(ipv6) in ipaddress.IPv6Network(prefix)
    assert u_octet(ipv6) == 0
    assert nat64_extract(ipv6, prefix) == ipv4


@given(ipv4=st.ip_addresses(v=4).filter(lambda a: a.is_global))
def test_well_known_prefix_round_trips_every_global_address(ipv4):
    ipv6 = nat64_embed(str(ipv4), "64:ff9b::/96")
    assert nat64_extract(ipv6, "64:ff9b::/96") == str(ipv4)


@given(ipv4=ipv4_addresses, length=st.sampled_from(NAT64_PREFIX_LENGTHS))
def test_embedding_is_injective_per_prefix(ipv4, length):
    prefix = str(ipaddress.IPv6Network(("2001:db8::", length), strict=False))
    other = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address(ipv4)) ^ 1))
    assert nat64_embed(ipv4, prefix) != nat64_embed(other, prefix)


PTR_VECTORS = [
    ("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."),
    ("2001:DB8:46::C000:221", "1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.6.4.0.0.8.b.d.0.1.0.0.2.ip6.arpa."),
    ("192.0.2.33", "33.2.0.192.in-addr.arpa."),
    ("2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa."),
    ("2001:db8:100::/48", "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."),
    ("2001:db8:100:a::/64", "a.0.0.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."),
    ("2001:db8:100:a0::/60", "a.0.0.0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."),
    ("2001:db8::1/128", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."),
    ("::/0", "ip6.arpa."),
    ("192.0.2.0/24", "2.0.192.in-addr.arpa."),
    ("10.0.0.0/8", "10.in-addr.arpa."),
    ("198.51.100.20/32", "20.100.51.198.in-addr.arpa."),
    ("0.0.0.0/0", "in-addr.arpa."),
]


@pytest.mark.parametrize(("address", "name"), PTR_VECTORS)
def test_ptr_name(address, name):
    assert ptr_name(address) == name


PTR_ERRORS = [
    ("2001:db8::/47",
     "prefix '2001:db8::/47' has length /47, which is not a multiple of 4, so it has no single ip6.arpa zone"),
    ("192.0.2.0/25",
     "prefix '192.0.2.0/25' has length /25, which is not a multiple of 8, so it has no single in-addr.arpa zone"),
    ("2001:db8::1/48", "prefix '2001:db8::1/48' has host bits set; did you mean 2001:db8::/48?"),
    ("example.net", "'example.net' is not an IP address or prefix"),
    ("example.net/24", "prefix 'example.net/24' is not an IP prefix"),
]


@pytest.mark.parametrize(("address", "message"), PTR_ERRORS)
def test_ptr_name_refuses(address, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ptr_name(address)


SUBNET_VECTORS = [
    (("2001:db8:200::/48", 0), "2001:db8:200::/64"),
    (("2001:db8:200::/48", 1), "2001:db8:200:1::/64"),
    (("2001:db8:200::/48", 65535), "2001:db8:200:ffff::/64"),
    (("2001:db8:100::/48", 3, 56), "2001:db8:100:300::/56"),
    (("2001:db8:100::/48", 255, 56), "2001:db8:100:ff00::/56"),
    (("2001:db8::/32", 1, 48), "2001:db8:1::/48"),
    (("2001:db8:100:a::/64", 5, 128), "2001:db8:100:a::5/128"),
    (("198.51.100.0/24", 2, 26), "198.51.100.128/26"),
]


@pytest.mark.parametrize(("args", "subnet"), SUBNET_VECTORS)
def test_subnet_for(args, subnet):
    assert subnet_for(*args) == subnet


SUBNET_ERRORS = [
    (("2001:db8:200::/48", 65536),
     "index 65536 is out of range: 2001:db8:200::/48 holds 65536 /64 subnets, numbered 0 to 65535"),
    (("2001:db8:200::/48", -1), "index -1 is out of range"),
    (("2001:db8:100::/48", 256, 56), "index 256 is out of range: 2001:db8:100::/48 holds 256 /56 subnets"),
    (("2001:db8:200::/48", 0, 48),
     "new_prefix /48 must be longer than /48 and at most /128 for prefix 2001:db8:200::/48"),
    (("2001:db8:200::/48", 0, 40), "new_prefix /40 must be longer than /48"),
    (("2001:db8:200::/48", 0, 129), "new_prefix /129 must be longer than /48 and at most /128"),
    (("198.51.100.0/24", 0, 64), "new_prefix /64 must be longer than /24 and at most /32"),
    (("2001:db8:200::1/48", 0), "prefix '2001:db8:200::1/48' has host bits set; did you mean 2001:db8:200::/48?"),
    (("2001:db8:200::/48", "1"), "index '1' is not an integer"),
    (("2001:db8:200::/48", True), "index True is not an integer"),
    (("2001:db8:200::/48", 0, 64.0), "new_prefix 64.0 is not an integer"),
]


@pytest.mark.parametrize(("args", "message"), SUBNET_ERRORS)
def test_subnet_for_refuses(args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        subnet_for(*args)


@given(
    base=st.integers(min_value=0, max_value=2**16 - 1),
    indexes=st.lists(st.integers(min_value=0, max_value=2**16 - 1), min_size=2, max_size=8, unique=True),
)
def test_distinct_indexes_never_collide(base, indexes):
    prefix = ipaddress.IPv6Network((0x20010DB8 << 96 | base << 80, 48))
    subnets = [ipaddress.IPv6Network(subnet_for(str(prefix), i)) for i in indexes]
    assert all(s.subnet_of(prefix) for s in subnets)
    assert not any(a.overlaps(b) for a in subnets for b in subnets if a is not b)
