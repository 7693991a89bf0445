"""The nat64_prefix test plugin: the RFC 6052 lengths, defined once in _addresses."""

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import NAT64_PREFIX_LENGTHS
from ansible_collections.v6only.gateway.plugins.test import nat64_prefix

TEST = nat64_prefix.TestModule().tests()["nat64_prefix"]


def test_exactly_the_rfc_6052_lengths_pass():
    passing = [n for n in range(129) if TEST("2001:db8::/{0}".format(n) if n >= 32 else "::/{0}".format(n))]
    assert passing == list(NAT64_PREFIX_LENGTHS)


@pytest.mark.parametrize("value", ["64:ff9b::1/96", "198.51.100.0/24", "nonsense", "", None, 96,
                                   "2001:db8:46:0:ff00::/96"])
def test_anything_else_fails(value):
    assert TEST(value) is False


def test_the_well_known_prefix_passes():
    assert TEST("64:ff9b::/96") is True
