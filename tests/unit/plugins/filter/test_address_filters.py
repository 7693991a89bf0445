"""The address filters are thin: they return what module_utils returns and turn ValueError into AnsibleFilterError."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.filter import (
    nat64_embed,
    nat64_extract,
    prefix_address,
    ptr_name,
    subject_alt_names,
    subnet_for,
)

PLUGINS = {
    "nat64_embed": nat64_embed,
    "nat64_extract": nat64_extract,
    "prefix_address": prefix_address,
    "ptr_name": ptr_name,
    "subject_alt_names": subject_alt_names,
    "subnet_for": subnet_for,
}


def filter_named(name):
    return PLUGINS[name].FilterModule().filters()[name]


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_each_file_exposes_only_its_filter(name):
    assert list(PLUGINS[name].FilterModule().filters()) == [name]


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_each_file_documents_itself(name):
    module = PLUGINS[name]
    assert f"name: {name}\n" in module.DOCUMENTATION
    assert "_input:" in module.DOCUMENTATION
    assert f"v6only.gateway.{name}" in module.EXAMPLES
    assert "# =>" in module.EXAMPLES
    assert "_value:" in module.RETURN


RESULTS = [
    ("prefix_address", ("2001:db8:200::/64", 1), "2001:db8:200::1"),
    ("prefix_address", ("2001:db8:200:1::/64", 1, True), "2001:db8:200:1::1/64"),
    ("prefix_address", ("198.51.100.0/24", 20), "198.51.100.20"),
    ("subject_alt_names", (["dns.example.net", "2001:db8:10::53", "198.51.100.53"],),
     "DNS:dns.example.net,IP:2001:db8:10::53,IP:198.51.100.53"),
    ("nat64_embed", ("192.0.2.33", "2001:db8:46::/96"), "2001:db8:46::c000:221"),
    ("nat64_embed", ("192.0.2.33", "2001:db8:122::/48"), "2001:db8:122:c000:2:2100::"),
    ("nat64_embed", ("9.9.9.9", "64:ff9b::/96"), "64:ff9b::909:909"),
    ("nat64_extract", ("2001:db8:46::c000:221", "2001:db8:46::/96"), "192.0.2.33"),
    ("nat64_extract", ("2001:db8:1c0:2:21::", "2001:db8:100::/40"), "192.0.2.33"),
    ("ptr_name", ("2001:db8:100::/48",), "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."),
    ("ptr_name", ("198.51.100.20",), "20.100.51.198.in-addr.arpa."),
    ("subnet_for", ("2001:db8:200::/48", 1), "2001:db8:200:1::/64"),
    ("subnet_for", ("2001:db8:100::/48", 3, 56), "2001:db8:100:300::/56"),
]


@pytest.mark.parametrize(("name", "args", "result"), RESULTS)
def test_filter_result(name, args, result):
    assert filter_named(name)(*args) == result


ERRORS = [
    ("nat64_embed", ("192.0.2.33", "2001:db8::/33"),
     "nat64_embed: NAT64 prefix '2001:db8::/33' has length /33; RFC 6052 allows only"),
    ("nat64_embed", ("192.0.2.33", "64:ff9b::/96"),
     "nat64_embed: IPv4 address '192.0.2.33' is not global and RFC 6052 section 3.1 forbids it"),
    ("nat64_embed", ("2001:db8::1", "2001:db8::/32"),
     "nat64_embed: IPv4 address '2001:db8::1' is an IPv6 address, expected IPv4"),
    ("nat64_extract", ("2001:db9::", "2001:db8::/32"),
     "nat64_extract: IPv6 address '2001:db9::' is not inside NAT64 prefix 2001:db8::/32"),
    ("nat64_extract", ("2001:db8:c000:221:100::", "2001:db8::/32"), "nat64_extract: IPv6 address"),
    ("ptr_name", ("2001:db8::/47",), "ptr_name: prefix '2001:db8::/47' has length /47, which is not a multiple of 4"),
    ("subnet_for", ("2001:db8:200::/48", 65536), "subnet_for: index 65536 is out of range"),
    ("prefix_address", ("2001:db8:200::/126", 4), "prefix_address: index 4 is out of range: 2001:db8:200::/126 holds 4"),
    ("prefix_address", ("2001:db8:200::1/64", 1), "prefix_address: prefix '2001:db8:200::1/64' has host bits set"),
    ("subnet_for", ("2001:db8:200::/48", 0, 48), "subnet_for: new_prefix /48 must be longer than /48"),
]


@pytest.mark.parametrize(("name", "args", "message"), ERRORS)
def test_filter_error_is_an_ansible_filter_error(name, args, message):
    with pytest.raises(AnsibleFilterError) as caught:
        filter_named(name)(*args)
    assert message in str(caught.value)
    assert isinstance(caught.value.__cause__, ValueError)
