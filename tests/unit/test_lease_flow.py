"""A bad lease stops the play at validation: ipv4_lending never writes the lease file.

Runs the real roles with ansible-playbook on localhost against a copy of the
lab inventory whose `ipv4_leases.yml` was edited by hand (a pull request).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "tests/fixtures/lease_flow/playbook.yml"
# The lease ipv4_lease writes for the lab's alice-web imap service.
IMAP = {"address": "198.51.100.24", "customer": "alice", "vm": "alice-web", "proto": "imap",
        "ports": [{"transport": "tcp", "port": 143}], "data_ports": None, "state": "active",
        "since": "2026-12-02T16:47:45Z", "expires": None}


def _files(directory):
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _play(inventory):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([str(ROOT / "collections"), str(ROOT / ".cache/collections")]))
    return subprocess.run(["ansible-playbook", "-i", str(inventory), str(PLAYBOOK)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("edit, error", [
    (lambda lease: lease.update(address="198.51.100.99"), "field 'address': 198.51.100.99 is outside the lending pool"),
    (lambda lease: lease.update(address="198.51.100.20"), "field 'address': 198.51.100.20 is gateway_ipv4, which is never lent"),
    (lambda lease: lease.update(ports=[{"transport": "tcp", "port": 22}]), "field 'ports': tcp/22 is not the port imap is lent on"),
])
def test_a_lease_error_stops_the_play_before_ipv4_lending_writes(tmp_path, edit, error):
    if shutil.which("ansible-playbook") is None:
        pytest.skip("ansible-playbook is not on PATH (run through make unit)")
    inventory = tmp_path / "lab"
    shutil.copytree(ROOT / "inventories/lab", inventory, ignore=shutil.ignore_patterns("ipv4_leases.yml"))
    path = inventory / "ipv4_leases.yml"
    index, lease = 0, dict(IMAP)
    edit(lease)
    path.write_text(yaml.safe_dump({"leases": [lease]}, sort_keys=False))
    before = _files(inventory)
    result = _play(inventory)
    assert result.returncode != 0, result.stdout[-2000:]
    # The model refuses the lease (or, for a fault the file reader knows, the
    # reader does, naming leases[<index>]); either way customer_model stops the play.
    failed_in = result.stdout.split("fatal: [localhost]", 1)[0].rsplit("TASK [", 1)[1]
    assert failed_in.startswith(("v6only.gateway.customer_model : Validate the customer inventory]",
                                 "v6only.gateway.customer_model : Read the IPv4 lease state file]")), failed_in
    assert "lease {0}, {1}".format(index, error) in result.stdout or "leases[{0}]".format(index) in result.stdout
    assert error in result.stdout, result.stdout[-3000:]
    assert "TASK [v6only.gateway.ipv4_lending" not in result.stdout, "no ipv4_lending task ran"
    assert _files(inventory) == before, "nothing in the inventory was written, the lease file least of all"
