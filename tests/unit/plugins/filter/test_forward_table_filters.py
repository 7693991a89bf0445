"""customer_model and forward_table are thin wrappers over _customer_model."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.filter import customer_model, forward_table
from granted import registry_for

PLUGINS = {"customer_model": customer_model, "forward_table": forward_table}
SETTINGS = {"customer_prefixes": ["2001:db8:100::/48"], "gateway_ipv4": "198.51.100.20"}
GOOD = [{"name": "alice", "vms": [{"name": "alice-web", "ipv6": "2001:db8:100:a::10",
                                   "services": [{"proto": "https", "names": ["alice.example"]}]}]}]
BAD = [{"name": "alice", "vms": [{"name": "alice-web", "ipv6": "nope", "services": [{"proto": "gopher"}]}]}]
REGISTRY = registry_for(GOOD, SETTINGS)


def filter_named(name):
    return PLUGINS[name].FilterModule().filters()[name]


def test_both_filters_take_the_customer_model_input_fragment():
    for module in PLUGINS.values():
        assert "v6only.gateway.customer_model_input" in module.DOCUMENTATION


def test_forward_table_returns_the_model():
    model = filter_named("forward_table")(GOOD, SETTINGS, None, REGISTRY)
    assert [r["id"] for r in model["rows"]] == ["alice-web/https/tcp/443"]


def test_forward_table_fails_with_every_error_one_per_line():
    with pytest.raises(AnsibleFilterError) as raised:
        filter_named("forward_table")(BAD, SETTINGS, None, REGISTRY)
    lines = str(raised.value).splitlines()
    assert lines[0] == "The customer model has 2 errors; no host was changed:"
    assert lines[1].startswith("- customer 'alice', vm 'alice-web', field 'ipv6': 'nope' is not an IPv6 address.")
    assert lines[2].startswith("- customer 'alice', vm 'alice-web', field 'services[0].proto': unknown protocol")


def test_customer_model_gives_the_model_of_forward_table_and_no_errors():
    result = filter_named("customer_model")(GOOD, SETTINGS, None, REGISTRY)
    assert result == {"errors": [], "message": "", "model": filter_named("forward_table")(GOOD, SETTINGS, None, REGISTRY)}


def test_customer_model_gives_the_errors_and_the_message_forward_table_fails_with():
    result = filter_named("customer_model")(BAD, SETTINGS, None, REGISTRY)
    with pytest.raises(AnsibleFilterError) as raised:
        filter_named("forward_table")(BAD, SETTINGS, None, REGISTRY)
    assert result["model"] is None
    assert len(result["errors"]) == 2
    assert result["message"].splitlines()[1:] == ["- " + e for e in result["errors"]]
    assert result["message"] == str(raised.value)


def test_leases_are_passed_through():
    good = [{"name": "alice", "vms": [{"name": "alice-web", "ipv6": "2001:db8:100:a::10",
                                       "services": [{"proto": "smtp"}]}]}]
    settings = dict(SETTINGS, lending_pool=["198.51.100.40"])
    leases = [{"address": "198.51.100.40", "vm": "alice-web", "proto": "smtp", "state": "active"}]
    assert filter_named("forward_table")(good, settings, leases, REGISTRY)["rows"][0]["listen_ipv4"] == "198.51.100.40"


def test_model_with_leases_is_the_model_built_again_with_those_leases():
    from ansible_collections.v6only.gateway.plugins.filter import model_with_leases

    place = model_with_leases.FilterModule().filters()["model_with_leases"]
    customers = [{"name": "alice", "domains": ["alice.example"], "vms": [{
        "name": "alice-web", "ipv6": "2001:db8:100:a::10",
        "services": [{"proto": "smtp"}, {"proto": "pop3"}, {"proto": "https", "names": ["alice.example"]}]}]}]
    settings = dict(SETTINGS, lending_pool=["198.51.100.40", "198.51.100.41"])
    before = [{"address": "198.51.100.40", "vm": "alice-web", "proto": "pop3", "state": "active"}]
    after = before + [{"address": "198.51.100.41", "vm": "alice-web", "proto": "smtp", "state": "active"},
                      {"address": "198.51.100.40", "vm": "gone", "proto": "smtp", "state": "draining",
                       "expires": "2026-12-02T17:00:00Z"}]
    model = filter_named("forward_table")(customers, settings, before, REGISTRY)
    assert place(model, after) == filter_named("forward_table")(customers, settings, after, REGISTRY)
    assert place(model, after) != model
    assert model == filter_named("forward_table")(customers, settings, before, REGISTRY), "the input model is left alone"
    with pytest.raises(AnsibleFilterError, match="two active leases"):
        place(model, after + [{"address": "198.51.100.41", "vm": "alice-web", "proto": "pop3", "state": "active"}])
