"""The jool_nat64 filters are thin: they return what module_utils returns and turn errors into AnsibleFilterError."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.filter import (
    jool_bib_changes,
    nat64_deny_prefixes,
    nat64_journal_window,
    nat64_pool4_partition,
    nat64_reuse_delay_problems,
    nat64_source_marks,
    nat64_trace,
)

PLUGINS = {
    "jool_bib_changes": jool_bib_changes,
    "nat64_deny_prefixes": nat64_deny_prefixes,
    "nat64_journal_window": nat64_journal_window,
    "nat64_pool4_partition": nat64_pool4_partition,
    "nat64_reuse_delay_problems": nat64_reuse_delay_problems,
    "nat64_source_marks": nat64_source_marks,
    "nat64_trace": nat64_trace,
}
POOL4 = [{"prefix": "198.51.100.20/32", "port_range": "61001-65535"}]
MODEL = {"customers": [{"name": "alice", "prefix": "2001:db8:100:a::/64"}],
         "vms": [{"customer": "alice", "name": "alice-web", "ipv6": "2001:db8:100:a::10"}], "vpn_peers": []}


def filter_named(name):
    return PLUGINS[name].FilterModule().filters()[name]


def test_documented_examples_hold():
    assert filter_named("nat64_deny_prefixes")(["10.0.0.0/8", "192.168.0.0/16"], "2001:db8:46::/96") == [
        "2001:db8:46::a00:0/104", "2001:db8:46::c0a8:0/112"]
    assert filter_named("nat64_deny_prefixes")(["192.0.2.32/28"], "2001:db8:100::/40") == ["2001:db8:1c0:2:20::/76"]
    customers = [{"name": "alice", "quotas": {"nat64_ports": 512}}, {"name": "bob", "quotas": {"nat64_ports": 1024}}]
    assert [s["port_range"] for s in filter_named("nat64_pool4_partition")(POOL4, customers)] == [
        "61001-61512", "61513-62536", "62537-65535"]
    assert [s["port_range"] for s in filter_named("nat64_pool4_partition")(POOL4, ["alice", "bob"], 8)] == [
        "61001-61008", "61009-61016", "61017-65535"]
    assert filter_named("nat64_journal_window")("2026-12-02T15:04:05Z", 86400) == {
        "since": 1796137444, "until": 1796223847}
    assert len(filter_named("nat64_reuse_delay_problems")({"icmp-timeout": "1:00", "tcp-trans-timeout": "4:00"})) == 1
    assert filter_named("nat64_source_marks")(MODEL) == [{"source": "2001:db8:100:a::/64", "mark": 1, "customer": "alice"}]
    journal = "x 2026/12/2 15:4:1 (GMT) - Mapped 2001:db8:100:a::10#40512 to 198.51.100.20#61022 (TCP)\n"
    report = filter_named("nat64_trace")(journal, "198.51.100.20", 61022, "2026-12-02T15:04:05Z", MODEL, 0, "")
    assert report["answers"][0]["vm"] == "alice-web"


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("nat64_deny_prefixes", (["10.0.0.1/8"], "2001:db8:46::/96"), "nat64_deny_prefixes: .*host bits"),
        ("nat64_pool4_partition", (POOL4, ["a"] * 2, 512), "nat64_pool4_partition: .*repeat"),
        ("nat64_pool4_partition", ([{"prefix": "198.51.100.20/32"}], ["a"], 512), "nat64_pool4_partition: "),
        ("nat64_pool4_partition", (POOL4, [{"name": "a"}]), "nat64_pool4_partition: .*no quotas.nat64_ports"),
        ("nat64_reuse_delay_problems", ({"udp-timeout": "soon"},), "nat64_reuse_delay_problems: .*duration"),
        ("nat64_source_marks", ({"customers": [], "vms": [{"customer": "x", "ipv6": "2001:db8::1"}]},),
         "nat64_source_marks: "),
        ("nat64_trace", ("", "198.51.100.20", 1, "never", MODEL), "nat64_trace: .*ISO 8601"),
        ("nat64_journal_window", ("never", 60), "nat64_journal_window: .*ISO 8601"),
    ],
)
def test_errors_become_filter_errors(name, args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        filter_named(name)(*args)
