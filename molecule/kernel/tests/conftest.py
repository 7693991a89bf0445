"""The kernel guest as Molecule booted it (instance_config.yml), over the same SSH
endpoint and key Ansible uses, and the guest's network namespaces (files/topology.sh)."""
import os

import pytest
import testinfra
import yaml

EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]


@pytest.fixture(scope="session")
def guest():
    """The guest's init namespace: the gateway. One multiplexed SSH connection serves every
    command, so a check costs milliseconds, not an SSH login under emulation."""
    with open(os.path.join(EPHEMERAL, "instance_config.yml"), encoding="utf-8") as config:
        (instance,) = yaml.safe_load(config)
    return testinfra.get_host(
        f"ssh://{instance['user']}@{instance['address']}:{instance['port']}",
        ssh_identity_file=instance["identity_file"],
        ssh_extra_args="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
                       " -o ControlPath=/tmp/kernel-guest-ssh-%C",
    )


@pytest.fixture(scope="session")
def netns(guest):
    """Return a function running a shell command in a named namespace of the guest
    (cust-a, cust-b, outsider, v4server, wgpeer); `args` are quoted into its %s."""
    def run(name, command, *args):
        return guest.run("ip netns exec %s sh -c %s", name, guest.backend.get_command(command, *args))

    return run


@pytest.fixture(scope="session")
def journal(guest):
    """Return a function giving the journal lines of a unit in the guest, message text only."""
    def lines(unit):
        return guest.check_output("journalctl -q -o cat -u %s", unit).splitlines()

    return lines
