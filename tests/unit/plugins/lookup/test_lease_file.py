"""lease_file: the state file's leases read on the controller, refused with the module's messages."""

import pytest
import yaml
from ansible.errors import AnsibleLookupError

from ansible_collections.v6only.gateway.plugins.lookup.lease_file import LookupModule

LEASE = {"address": "198.51.100.40", "customer": "alice", "vm": "alice-mail", "proto": "smtp",
         "ports": [{"transport": "tcp", "port": 25}], "state": "active", "since": "2026-11-01T00:00:00Z"}


def run(path):
    return LookupModule().run([str(path)], variables={})


def test_reads_the_leases(tmp_path):
    path = tmp_path / "ipv4_leases.yml"
    path.write_text(yaml.safe_dump({"leases": [LEASE]}))
    assert run(path) == [LEASE]


def test_a_missing_file_has_no_leases(tmp_path):
    assert run(tmp_path / "absent.yml") == []


@pytest.mark.parametrize("text, fault", [
    ("leases: [", "is not valid YAML"),
    ("- a list\n", "must be a mapping with the key 'leases'"),
    ("leases:\n  - {address: 198.51.100.40}\n", "lease state file"),
])
def test_a_broken_file_fails_naming_the_file_and_the_fix(tmp_path, text, fault):
    path = tmp_path / "ipv4_leases.yml"
    path.write_text(text)
    with pytest.raises(AnsibleLookupError) as error:
        run(path)
    assert str(path) in str(error.value) and fault in str(error.value) and "Fix" in str(error.value)
