"""A customer change on the live LAN: alice gets one more VM, reserved by DUID and MAC.

The scenario's converge.yml runs again with the customer model as extra vars (they take
the place of the scenario's group_vars), as a merged customer pull request would. Kea on
the VRRP master must re-read its configuration (SIGHUP): same process, every lease kept,
and the new reservation served to a real DHCPv6 client. The backup's Kea stays stopped.
"""

import copy
import csv
import io
import os
import re
import time

import pytest
import yaml

SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", os.path.dirname(os.path.dirname(__file__)))
with open(os.path.join(SCENARIO, "molecule.yml"), encoding="utf-8") as _handle:
    BASE = yaml.safe_load(_handle)["provisioner"]["inventory"]["group_vars"]["all"]

DAEMONS = ("kea-dhcp6-server", "radvd", "keepalived")
LEASE_FILE = "/var/lib/kea/kea-leases6.csv"
KEA_CONFIG = "/etc/kea/kea-dhcp6.conf"
VM1_ADDRESS = "2001:db8:108::101"
# The new VM is a macvlan with its own MAC in a network namespace of lan-vm2: a second
# client on the LAN with its own DUID-LL, beside lan-vm2's own dhclient.
NEW_VM = {"name": "alice-api", "ipv6": "2001:db8:108::104",
          "duid": "00:03:00:01:02:00:00:00:01:33", "mac": "02:00:00:00:01:33"}
NETNS, NEW_IF = "alice-api", "api0"
NEW_DHCLIENT = f"-lf /var/lib/dhcp/{NETNS}.leases -pf /run/{NETNS}-dhclient6.pid {NEW_IF}"
RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
HEADER = re.compile(r"^(?:PLAY|TASK|RUNNING HANDLER) \[(.*?)\]")
CHANGED = re.compile(r"^changed: \[([^\]]+)\]")


def customers(with_new_vm):
    """The two inputs a customer pull request changes, with or without alice's new VM."""
    people = copy.deepcopy(BASE["v6only_gateway_customers"])
    if with_new_vm:
        next(c for c in people if c["name"] == "alice")["vms"].append(dict(NEW_VM))
    return {"v6only_gateway_registry": BASE["v6only_gateway_registry"], "v6only_gateway_customers": people}


def converge(ansible_playbook, with_new_vm):
    run = ansible_playbook("converge.yml", extra_vars=customers(with_new_vm), timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    recap = RECAP.findall(output)
    assert recap and all(u == "0" and f == "0" for _, u, f in recap), recap
    return output


def main_pids(router):
    return {name: router.check_output(f"systemctl show -p MainPID --value {name}") for name in DAEMONS}


def global_addresses(host, command="ip -6 -o addr show dev eth0 scope global"):
    """Global IPv6 addresses as a mapping address -> prefix length."""
    cidrs = (line.split()[3] for line in host.check_output(command).splitlines())
    return dict(cidr.split("/") for cidr in cidrs)


def active_leases(router):
    """Kea's active leases as {address: (duid, expire)}, read in the order Kea loads its
    files: the cleanup's output (.2), its input (.1), then the file Kea appends to. The
    last row of an address wins; a lease released or expired is not active."""
    text = router.run(f"cat {LEASE_FILE}.2 {LEASE_FILE}.1 {LEASE_FILE} 2>/dev/null").stdout
    rows = {row["address"]: row for row in csv.DictReader(io.StringIO(text)) if row["address"] != "address"}
    now = time.time()
    return {address: (row["duid"], int(row["expire"])) for address, row in rows.items()
            if int(row["valid_lifetime"]) > 0 and int(row["expire"]) > now and row["state"] == "0"}


def kea_reloaded_on(output):
    """The hosts the Kea reload handler reported changed on."""
    task, hosts = None, set()
    for line in output.splitlines():
        header = HEADER.match(line)
        if header:
            task = header.group(1)
        elif CHANGED.match(line) and task and task.endswith("Reload Kea where it runs"):
            hosts.add(CHANGED.match(line).group(1))
    return hosts


@pytest.fixture(name="new_vm")
def fixture_new_vm(podman_host, ansible_playbook, wait_until):
    """alice's new VM, not yet known to Kea. Whatever the test did, its lease is released,
    its namespace removed and the LAN converged back to the scenario's own customers."""
    vm2 = podman_host("lan-vm2")
    vm2.check_output(
        f"ip netns add {NETNS} && mkdir -p /etc/netns/{NETNS} && touch /etc/netns/{NETNS}/resolv.conf"
        f" && ip link add {NEW_IF} link eth0 address {NEW_VM['mac']} type macvlan mode bridge"
        f" && ip link set {NEW_IF} netns {NETNS}"
        f" && ip -n {NETNS} link set lo up && ip -n {NETNS} link set {NEW_IF} up")
    link_local = f"ip -n {NETNS} -6 -o addr show dev {NEW_IF} scope link"
    try:
        # dhclient binds to the link-local address, which is unusable until DAD has passed.
        assert wait_until(lambda: "fe80:" in (out := vm2.check_output(link_local)) and "tentative" not in out, 10)
        yield vm2
    finally:
        vm2.run(f"timeout 15 ip netns exec {NETNS} dhclient -6 -r {NEW_DHCLIENT}")
        vm2.run(f"ip netns del {NETNS}; rm -rf /etc/netns/{NETNS} /var/lib/dhcp/{NETNS}.leases")
    converge(ansible_playbook, with_new_vm=False)


def test_a_new_reservation_is_served_by_the_same_kea_with_every_lease_kept(podman_host, ansible_playbook,
                                                                            wait_until, new_vm):
    r1, r2, vm1 = podman_host("lan-r1"), podman_host("lan-r2"), podman_host("lan-vm1")
    # A VM that already holds its address: this test may run first.
    if global_addresses(vm1).get(VM1_ADDRESS) != "128":
        vm1.check_output("timeout 30 dhclient -6 -1 -D LL eth0")
    before = wait_until(lambda: active_leases(r1), 10)
    assert VM1_ADDRESS in before, before
    pids = main_pids(r1)
    assert "0" not in pids.values(), pids
    assert NEW_VM["ipv6"] not in r1.file(KEA_CONFIG).content_string
    assert not r2.service("kea-dhcp6-server").is_running

    output = converge(ansible_playbook, with_new_vm=True)

    # Both routers got the new configuration and ran the handler; only the master reloaded.
    assert kea_reloaded_on(output) == {"lan-r1", "lan-r2"}, output[-4000:]
    assert NEW_VM["ipv6"] in r2.file(KEA_CONFIG).content_string
    assert not r2.service("kea-dhcp6-server").is_running, "try-reload-or-restart started the backup's Kea"
    assert main_pids(r1) == pids, "the customer change restarted a daemon"

    new_vm.check_output(f"ip netns exec {NETNS} timeout 30 dhclient -6 -1 -D LL {NEW_DHCLIENT}")
    assert global_addresses(new_vm, f"ip -n {NETNS} -6 -o addr show dev {NEW_IF} scope global") == {NEW_VM["ipv6"]: "128"}
    after = wait_until(lambda: NEW_VM["ipv6"] in active_leases(r1) and active_leases(r1), 10)
    assert after[NEW_VM["ipv6"]][0] == NEW_VM["duid"], after

    for address, (duid, expire) in before.items():
        assert address in after, f"the lease of {address} was lost: {after}"
        assert after[address][0] == duid and after[address][1] >= expire, (address, before[address], after[address])
    assert global_addresses(vm1).get(VM1_ADDRESS) == "128"
    assert main_pids(r1) == pids
    assert not r2.service("kea-dhcp6-server").is_running
