"""`make check-inventory` and site.yml stop a customer file that claims what is not granted, touching no host.

Runs the real playbooks with ansible-playbook against a copy of the lab's
settings, registry and customers plus mallory's hostile file. The inventory's
hosts exist nowhere: their SSH connection is a ProxyCommand that fails at
once, so any attempt to reach one shows as UNREACHABLE without a packet sent
(the first test proves that it does).
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "inventories/lab"
HOSTS = ("gw-nowhere", "router-nowhere")
# Every group site.yml's plays target, so each play has hosts to refuse.
HOSTS_YML = """---
all:
  children:
    gateways:
      hosts:
        gw-nowhere: {ansible_host: 198.51.100.250}
      children: {}
    routers:
      hosts:
        router-nowhere: {ansible_host: 198.51.100.251}
    nat64_gateways: {hosts: {gw-nowhere: {}}}
    dns64_resolvers: {hosts: {gw-nowhere: {}}}
    inbound_gateways: {hosts: {gw-nowhere: {}}}
    vpn_servers: {hosts: {gw-nowhere: {}}}
    lending_gateways: {hosts: {gw-nowhere: {}}}
    dns_gateways: {hosts: {gw-nowhere: {}}}
    lan_routers: {hosts: {router-nowhere: {}}}
"""
# Group vars, not all: vars, so the implicit localhost stays a local connection.
UNREACHABLE_VARS = """---
ansible_connection: ssh
ansible_port: 9
ansible_ssh_common_args: -o ProxyCommand=false
"""
MALLORY = """---
prefix: 2001:db8:100:d::/64
domains: [gmail.com]
vms:
  - name: m-mail
    ipv6: 2001:db8:100:d::25
    services: []
"""
ERRORS = [
    "customer 'mallory', field 'prefix': prefix 2001:db8:100:d::/64 is not inside a granted prefix: no prefix is granted to "
    "this customer. Fix: ask the provider to grant a prefix holding 2001:db8:100:d::/64 in "
    "v6only_gateway_registry.customers.mallory.prefixes.",
    "customer 'mallory', field 'domains[0]': gmail.com is not granted to this customer (granted domains: none). Fix: use a "
    "name under a domain granted to this customer, or ask the provider to grant gmail.com to mallory in "
    "v6only_gateway_registry.customers.mallory.domains.",
]


@pytest.fixture(name="inventory")
def fixture_inventory(tmp_path):
    if shutil.which("ansible-playbook") is None:
        pytest.skip("ansible-playbook is not on PATH (run through make unit)")
    inventory = tmp_path / "inventory"
    (inventory / "group_vars/all").mkdir(parents=True)
    for name in ("v6only_gateway.yml", "registry.yml"):
        shutil.copy(LAB / "group_vars/all" / name, inventory / "group_vars/all" / name)
    # The registry grants mallory nothing: the provider has only added the name.
    with open(inventory / "group_vars/all/registry.yml", "a", encoding="utf-8") as registry:
        registry.write("    mallory: {}\n")
    for group in ("gateways", "routers"):
        (inventory / "group_vars" / (group + ".yml")).write_text(UNREACHABLE_VARS)
    (inventory / "hosts.yml").write_text(HOSTS_YML)
    shutil.copytree(LAB / "customers", inventory / "customers")
    (inventory / "customers/mallory.yml").write_text(MALLORY)
    return inventory


def _run(command, inventory, *args):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_TIMEOUT="5", ANSIBLE_ROLES_PATH=str(ROOT / "roles"),
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([str(ROOT / "collections"), str(ROOT / ".cache/collections")]))
    return subprocess.run([command, "-i", str(inventory), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


def test_reaching_a_host_of_this_inventory_would_show(inventory):
    result = _run("ansible", inventory, "gw-nowhere", "-m", "ansible.builtin.ping")
    assert result.returncode != 0
    assert "gw-nowhere | UNREACHABLE!" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("playbook", ["playbooks/validate.yml", "playbooks/site.yml"])
def test_an_ungranted_claim_fails_with_what_to_ask_for_and_no_host_is_touched(inventory, playbook):
    result = _run("ansible-playbook", inventory, playbook)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "The customer model has 2 errors; no host was changed:" in output, output[-3000:]
    for error in ERRORS:
        assert json.dumps("- " + error)[1:-1] in output, (error, output[-3000:])
    # Any connection to a host would be UNREACHABLE (test_reaching_a_host_of_this_inventory_would_show); the
    # tasks that did run for them are controller-side (argument spec, set_fact, fail, the lease read delegated
    # to localhost).
    assert "UNREACHABLE" not in output
    assert all(re.search(r"\b{0}\s+: .*unreachable=0 ".format(h), output) for h in HOSTS if h in output)
    # The failing task is the model's check; no later task of any play started.
    assert re.findall(r"^TASK \[([^\]]+)\]", output, flags=re.MULTILINE)[-1] == "v6only.gateway.customer_model : Validate the customer inventory"
    assert "PLAY [" + ("Validate the customer model]" if playbook.endswith("validate.yml") else
                       "Validate the customer model before any host is touched]") in output
    assert output.count("PLAY [") == 1, "the play stops in its first play"
