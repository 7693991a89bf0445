"""Address arithmetic for the gateway: NAT64 (RFC 6052), reverse names, subnets.

Pure functions with no Ansible imports, so filters, modules and tests share
one implementation. Every refusal is a ValueError whose message says what was
wrong and with which value.
"""

import ipaddress

# RFC 6052 §2.2 allows only these NAT64 prefix lengths; defined here only.
NAT64_PREFIX_LENGTHS = (32, 40, 48, 56, 64, 96)
WELL_KNOWN_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
# ipv4only.arpa's addresses: RFC 7050 hosts discover the prefix by asking DNS64
# to synthesise them, so they must work under the Well-Known Prefix even though
# they are not global.
IPV4ONLY_ARPA = frozenset(ipaddress.IPv4Address(a) for a in ("192.0.0.170", "192.0.0.171"))

# Bits 64-71 of every RFC 6052 address must be zero (RFC 4291 compatibility).
_U_OCTET_MASK = 0xFF << (128 - 72)


def _address(value, version, what):
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} {value!r} is not an IP address") from None
    if address.version != version:
        raise ValueError(f"{what} {value!r} is an IPv{address.version} address, expected IPv{version}")
    return address


def _network(value, what, version=None):
    text = str(value).strip()
    try:
        network = ipaddress.ip_network(text)
    except ValueError:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not an IP prefix") from None
        raise ValueError(f"{what} {value!r} has host bits set; did you mean {loose}?") from None
    if version is not None and network.version != version:
        raise ValueError(f"{what} {value!r} is an IPv{network.version} prefix, expected IPv{version}")
    return network


def _nat64_prefix(prefix):
    network = _network(prefix, "NAT64 prefix", version=6)
    if network.prefixlen not in NAT64_PREFIX_LENGTHS:
        allowed = ", ".join(f"/{n}" for n in NAT64_PREFIX_LENGTHS)
        raise ValueError(
            f"NAT64 prefix {prefix!r} has length /{network.prefixlen}; RFC 6052 allows only {allowed}"
        )
    if int(network.network_address) & _U_OCTET_MASK:
        raise ValueError(f"NAT64 prefix {prefix!r} sets bits 64-71, which RFC 6052 requires to be zero")
    return network


def is_nat64_prefix(prefix):
    """True when `prefix` is an IPv6 prefix RFC 6052 allows (length and bits 64-71)."""
    try:
        _nat64_prefix(prefix)
    except ValueError:
        return False
    return True


def _check_well_known(network, ipv4):
    if network == WELL_KNOWN_PREFIX and not ipv4.is_global and ipv4 not in IPV4ONLY_ARPA:
        raise ValueError(
            f"IPv4 address {str(ipv4)!r} is not global and RFC 6052 section 3.1 forbids it "
            f"with the well-known prefix {WELL_KNOWN_PREFIX}; use a network-specific prefix"
        )


def _ipv4_bit_positions(prefixlen):
    """Shift amounts, in IPv4 bit order, that place each IPv4 bit in the IPv6 address."""
    positions = []
    bit = prefixlen
    while len(positions) < 32:
        if not 64 <= bit < 72:
            positions.append(127 - bit)
        bit += 1
    return positions


def nat64_embed(ipv4, prefix):
    """Return the IPv6 address (compressed) that represents ipv4 under prefix (RFC 6052 section 2.2)."""
    address = _address(ipv4, 4, "IPv4 address")
    network = _nat64_prefix(prefix)
    _check_well_known(network, address)
    value = int(network.network_address)
    v4 = int(address)
    for i, shift in enumerate(_ipv4_bit_positions(network.prefixlen)):
        if v4 >> (31 - i) & 1:
            value |= 1 << shift
    return str(ipaddress.IPv6Address(value))


def nat64_embed_prefix(ipv4_prefix, prefix):
    """Return the IPv6 prefix (CIDR) that holds every RFC 6052 address of the IPv4 prefix under prefix.

    The IPv4 bits keep their RFC 6052 positions, so an IPv4 prefix whose bits reach
    past bit 64 also fixes the u octet (bits 64-71) at zero. Unlike nat64_embed,
    non-global ranges are allowed under the well-known prefix: the result names
    destinations to refuse, not addresses to use.
    """
    network4 = _network(ipv4_prefix, "IPv4 prefix", version=4)
    network = _nat64_prefix(prefix)
    positions = _ipv4_bit_positions(network.prefixlen)
    value = int(network.network_address)
    v4 = int(network4.network_address)
    for i, shift in enumerate(positions[: network4.prefixlen]):
        if v4 >> (31 - i) & 1:
            value |= 1 << shift
    length = 128 - positions[network4.prefixlen - 1] if network4.prefixlen else network.prefixlen
    return f"{ipaddress.IPv6Address(value)}/{length}"


def nat64_extract(ipv6, prefix):
    """Return the IPv4 address (dotted) embedded in ipv6 under prefix (RFC 6052 section 2.2)."""
    address = _address(ipv6, 6, "IPv6 address")
    network = _nat64_prefix(prefix)
    if address not in network:
        raise ValueError(f"IPv6 address {ipv6!r} is not inside NAT64 prefix {network}")
    value = int(address)
    if network.prefixlen < 96 and value & _U_OCTET_MASK:
        raise ValueError(
            f"IPv6 address {ipv6!r} has a nonzero u octet (bits 64-71), so it is not an RFC 6052 address"
        )
    v4 = 0
    for shift in _ipv4_bit_positions(network.prefixlen):
        v4 = v4 << 1 | (value >> shift & 1)
    result = ipaddress.IPv4Address(v4)
    _check_well_known(network, result)
    return str(result)


def ptr_name(address):
    """Return the reverse DNS name, with trailing dot, of an address or of a prefix's zone."""
    text = str(address).strip()
    if "/" not in text:
        try:
            return ipaddress.ip_address(text).reverse_pointer + "."
        except ValueError:
            raise ValueError(f"{address!r} is not an IP address or prefix") from None
    network = _network(text, "prefix")
    # Reverse zones are delegated on label boundaries: nibbles for ip6.arpa,
    # octets for in-addr.arpa. Anything else needs RFC 2317 tricks we do not do.
    if network.version == 6:
        step, suffix = 4, "ip6.arpa."
        digits = format(int(network.network_address), "032x")
    else:
        step, suffix = 8, "in-addr.arpa."
        digits = str(network.network_address).split(".")
    if network.prefixlen % step:
        raise ValueError(
            f"prefix {address!r} has length /{network.prefixlen}, which is not a multiple of {step}, "
            f"so it has no single {suffix[:-1]} zone"
        )
    labels = digits[: network.prefixlen // step]
    return "".join(f"{label}." for label in reversed(labels)) + suffix


def subnet_for(prefix, index, new_prefix=64):
    """Return the index-th (0-based) subnet of length new_prefix inside prefix."""
    network = _network(prefix, "prefix")
    for name, value in (("index", index), ("new_prefix", new_prefix)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{name} {value!r} is not an integer")
    if not network.prefixlen < new_prefix <= network.max_prefixlen:
        raise ValueError(
            f"new_prefix /{new_prefix} must be longer than /{network.prefixlen} "
            f"and at most /{network.max_prefixlen} for prefix {network}"
        )
    count = 1 << (new_prefix - network.prefixlen)
    if not 0 <= index < count:
        raise ValueError(
            f"index {index} is out of range: {network} holds {count} /{new_prefix} subnets, "
            f"numbered 0 to {count - 1}"
        )
    size = 1 << (network.max_prefixlen - new_prefix)
    first = network.network_address + index * size
    return f"{first}/{new_prefix}"


def prefix_address(prefix, index, with_length=False):
    """The index-th address inside prefix, e.g. a tunnel's ::1; with_length appends the prefix length."""
    network = _network(prefix, "prefix")
    if isinstance(index, bool) or not isinstance(index, int):
        raise ValueError(f"index {index!r} is not an integer")
    if not 0 <= index < network.num_addresses:
        raise ValueError(f"index {index} is out of range: {network} holds {network.num_addresses} addresses")
    address = network.network_address + index
    return f"{address}/{network.prefixlen}" if with_length else str(address)


def subject_alt_names(names):
    """An X.509 subjectAltName value for openssl: IP: for addresses, DNS: for everything else."""
    entries = []
    for name in names:
        name = str(name)
        try:
            ipaddress.ip_address(name)
            kind = "IP"
        except ValueError:
            kind = "DNS"
        entries.append(f"{kind}:{name}")
    return ",".join(entries)
