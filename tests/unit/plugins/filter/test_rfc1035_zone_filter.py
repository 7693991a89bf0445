"""rfc1035_zone is a thin wrapper: same text as module_utils, errors as AnsibleFilterError."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.filter import rfc1035_zone
from ansible_collections.v6only.gateway.plugins.module_utils._zone_file import render_zone

FILTER = rfc1035_zone.FilterModule().filters()["rfc1035_zone"]
RECORDS = [{"name": "https-a-ip4-gw.gw.example.net", "type": "A", "value": "198.51.100.20", "ttl": 300}]


def test_filter_returns_what_module_utils_renders():
    args = ("gw.example.net", ["ns1.example.net"], "hostmaster@example.net", 300)
    assert FILTER(RECORDS, *args) == render_zone(RECORDS, *args)


def test_filter_turns_value_errors_into_filter_errors():
    with pytest.raises(AnsibleFilterError, match="rfc1035_zone: .*outside the zone"):
        FILTER(RECORDS, "other.example", ["ns1.example.net"], "hostmaster@example.net", 300)


def test_filter_documents_itself():
    assert list(rfc1035_zone.FilterModule().filters()) == ["rfc1035_zone"]
    assert "name: rfc1035_zone\n" in rfc1035_zone.DOCUMENTATION
    assert "v6only.gateway.rfc1035_zone" in rfc1035_zone.EXAMPLES
