"""Whatever a hostile customer writes, the model answers with bounded, one-line errors and never a traceback."""

import re

import yaml
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from ansible_collections.v6only.gateway.plugins.module_utils._catalogue import CATALOGUE
from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import analyse
from ansible_collections.v6only.gateway.plugins.module_utils._model_strict import MAX_ERROR_LINE, control_characters
from ansible_collections.v6only.gateway.plugins.plugin_utils._customer_files import load_customer_file

SETTINGS = {"customer_prefixes": ["2001:db8:100::/48"], "gateway_ipv4": "198.51.100.20", "vpn_prefix": "2001:db8:200::/48",
            "lending_pool": ["198.51.100.40", "198.51.100.41"]}
REGISTRY = {"customers": {"mallory": {"domains": ["mallory.example"], "prefixes": ["2001:db8:100:d::/64"]}}}
SHAPE = re.compile(r"[^\n]+, field '[^'\n]*': [^\n]+\. Fix: [^\n]+\.")
KEYS = ["name", "prefix", "domains", "vms", "ipv6", "duid", "mac", "services", "vpn_peers", "proto", "names", "zones", "port",
        "transport", "gateway_port", "data_ports", "proxy_protocol", "index", "public_key", "address", "vm", "state", "ports",
        "since", "expires", "customer", "_error", "servies"]
# Plausible values next to garbage, so the fuzz reaches deep stages as well as the first check.
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 70000), st.floats(allow_nan=False), st.text(max_size=12),
                    st.sampled_from(sorted(CATALOGUE) + ["tcp", "udp+tcp", "active", "draining", "mallory.example",
                                                         "2001:db8:100:d::10", "2001:db8:100:d::/64", "198.51.100.40", "m-web"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)), max_leaves=20)
SERVICE = st.dictionaries(st.sampled_from(KEYS[9:19]), VALUES, max_size=4).map(lambda s: dict(s, proto=s.get("proto", "custom")))
VM = st.fixed_dictionaries({"name": st.sampled_from(["m-web", "m-db", ""]), "services": st.lists(SERVICE, max_size=3)},
                           optional={"ipv6": VALUES, "vpn_peers": VALUES, "duid": VALUES})
CUSTOMER = st.fixed_dictionaries({"name": st.just("mallory"), "vms": st.lists(VM, max_size=3)},
                                 optional={"prefix": VALUES, "domains": VALUES, "servies": VALUES})
LEASES = st.one_of(st.none(), st.lists(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=9), max_size=3))


@hsettings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(CUSTOMER, LEASES)
def test_any_customer_and_lease_data_gives_bounded_errors_never_a_traceback(customer, leases):
    result = analyse([customer], SETTINGS, leases, REGISTRY)
    for error in result["errors"]:
        assert len(error) <= MAX_ERROR_LINE and not control_characters(error), error
        assert SHAPE.fullmatch(error), error
    assert (result["model"] is None) == bool(result["errors"])


@hsettings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode),
                 st.builds(lambda d: yaml.safe_dump(d).encode(), st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5))))
def test_the_loader_turns_any_bytes_into_an_entry(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("customers") / "mallory.yml"
    path.write_bytes(data)
    entry = load_customer_file(str(path))
    assert set(entry) == {"name", "file", "error", "content"} and entry["name"] == "mallory"
    assert (entry["content"] is None) != (entry["error"] is None)
    assert entry["content"] is None or isinstance(entry["content"], dict)
