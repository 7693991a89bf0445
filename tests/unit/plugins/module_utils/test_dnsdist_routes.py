"""dnsdist_routes: one pool per VM, deepest zones first, listen sockets from the rows."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.filter.dnsdist_routes import FilterModule
from ansible_collections.v6only.gateway.plugins.module_utils._dnsdist_routes import dnsdist_routes


@pytest.fixture
def dns_rows(lab_model):
    """The lab's dnsdist_authoritative rows: alice-web serves alice.example, bob-web bob.example."""
    return lab_model["tables"]["dnsdist_authoritative"]


@pytest.fixture
def row(dns_rows):
    """A row shaped like the model's, from the lab's first dns row, for zones the lab does not have."""
    def make(vm, zones, ipv6, port=53, listen="198.51.100.20"):
        return dict(dns_rows[0], id="{0}/dns/udp+tcp/53".format(vm), vm=vm, match=zones, backend="[{0}]:{1}".format(ipv6, port),
                    backend_ipv6=ipv6, backend_port=port, listen_ipv4=listen)
    return make


def test_one_pool_per_vm_checked_with_its_first_zone(dns_rows):
    assert dnsdist_routes(dns_rows) == {
        "listen": ["198.51.100.20:53"],
        "pools": [{"name": "alice-web", "backend": "[2001:db8:100:a::10]:53", "check_name": "alice.example."},
                  {"name": "bob-web", "backend": "[2001:db8:100:b::10]:53", "check_name": "bob.example."}],
        "rules": [{"pool": "alice-web", "zones": ["alice.example."]}, {"pool": "bob-web", "zones": ["bob.example."]}],
    }


def test_a_pool_takes_its_backend_port_and_every_zone(row):
    got = dnsdist_routes([row("b-ns", ["b.example"], "2001:db8::b"), row("a-ns", ["a.example", "a.test"], "2001:db8::a", 5353)])
    assert got["pools"] == [{"name": "a-ns", "backend": "[2001:db8::a]:5353", "check_name": "a.example."},
                            {"name": "b-ns", "backend": "[2001:db8::b]:53", "check_name": "b.example."}]
    assert got["rules"] == [{"pool": "a-ns", "zones": ["a.example.", "a.test."]}, {"pool": "b-ns", "zones": ["b.example."]}]


def test_a_sub_zone_on_another_vm_is_matched_before_its_parent(row):
    # a-ns serves a.example and x.b.example, b-ns serves b.example and y.a.example:
    # no order of one rule per VM is right, one rule per (depth, VM) is.
    rules = dnsdist_routes([row("a-ns", ["a.example", "x.b.example"], "2001:db8::a"),
                            row("b-ns", ["b.example", "y.a.example"], "2001:db8::b")])["rules"]
    assert rules == [{"pool": "a-ns", "zones": ["x.b.example."]}, {"pool": "b-ns", "zones": ["y.a.example."]},
                     {"pool": "a-ns", "zones": ["a.example."]}, {"pool": "b-ns", "zones": ["b.example."]}]


def test_extra_addresses_listen_on_the_same_ports_ipv6_bracketed(row):
    got = dnsdist_routes([row("a-ns", ["a.example"], "2001:db8::a")], ["2001:db8::20", None])
    assert got["listen"] == ["198.51.100.20:53", "[2001:db8::20]:53"]


def test_no_rows_no_routes():
    assert dnsdist_routes([]) == {"listen": [], "pools": [], "rules": []}


def test_filter_names_a_row_without_zones(row):
    with pytest.raises(AnsibleFilterError, match=r"dnsdist_routes: row a-ns/dns/udp\+tcp/53 has no zones"):
        FilterModule().filters()["dnsdist_routes"]([row("a-ns", [], "2001:db8::a")])
