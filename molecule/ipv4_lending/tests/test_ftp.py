"""FTP through the lent address: control on 21, passive data on the lease's range, to alice's IPv6-only vsftpd.

Runs after test_forwarding.py and before test_lifecycle.py, which takes the leases away.
"""

import os
import re

import yaml

LENT = "198.51.100.104"
CONTENT = "Served by alice-mail over FTP on the lent address.\n"
CONNECTING = re.compile(r"Connecting to (\S+) \(\S+\) port (\d+)")

with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "molecule.yml"), encoding="utf-8") as _handle:
    _CUSTOMERS = yaml.safe_load(_handle)["provisioner"]["inventory"]["group_vars"]["all"]["v6only_gateway_customers"]
FIRST, LAST = next(s["data_ports"] for c in _CUSTOMERS for vm in c["vms"] for s in vm["services"]
                   if vm["name"] == "alice-mail" and s["proto"] == "ftp")


def fetch(podman_host, *options):
    """Download the file with curl -v; return (the body, curl's trace)."""
    run = podman_host("il-client").run(f"curl -sS -v --max-time 20 {' '.join(options)} ftp://{LENT}/lent.txt")
    assert run.rc == 0, run.stderr
    return run.stdout, run.stderr


def data_connection(trace):
    """The (address, port) curl opened for data (curl logs the control connection as Trying/Connected)."""
    connections = CONNECTING.findall(trace)
    assert len(connections) == 1, trace
    return connections[0][0], int(connections[0][1])


def test_ftp_lease_holds_the_control_port_and_the_passive_range(podman_host):
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory", "ipv4_leases.yml")
    with open(path, encoding="utf-8") as handle:
        lease = next(lease for lease in yaml.safe_load(handle)["leases"] if lease["proto"] == "ftp")
    assert (lease["vm"], lease["address"], lease["state"]) == ("alice-mail", LENT, "active")
    assert lease["ports"] == [{"transport": "tcp", "port": 21}]
    assert lease["data_ports"] == [FIRST, LAST]
    listening = podman_host("il-gw").check_output("ss -Htln")
    for port in [21, *range(FIRST, LAST + 1)]:
        assert f"{LENT}:{port} " in listening, f"{LENT}:{port} not listening:\n{listening}"
    assert f"{LENT}:{LAST + 1} " not in listening


def test_pasv_download_takes_its_data_through_the_lent_passive_range(podman_host):
    body, trace = fetch(podman_host, "--disable-epsv")
    assert body == CONTENT
    announced = re.search(r"< 227 Entering Passive Mode \((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", trace)
    assert announced, trace
    port = int(announced[5]) * 256 + int(announced[6])
    assert FIRST <= port <= LAST
    # vsftpd on an IPv6 control connection cannot announce an IPv4 address and
    # sends 0,0,0,0; the client then uses the address it dialled.
    assert ".".join(announced.groups()[:4]) in (LENT, "0.0.0.0")
    assert data_connection(trace) == (LENT, port)
    log = podman_host("il-vm2").file("/var/log/vsftpd.log").content_string
    assert f'OK DOWNLOAD: Client "2001:db8:109::20", "/lent.txt", {len(CONTENT)} bytes' in log


def test_epsv_download_uses_the_same_range(podman_host):
    body, trace = fetch(podman_host, "--ftp-pasv")
    assert body == CONTENT
    announced = re.search(r"< 229 Entering Extended Passive Mode \(\|\|\|(\d+)\|\)", trace)
    assert announced, trace
    assert FIRST <= int(announced[1]) <= LAST
    assert data_connection(trace) == (LENT, int(announced[1]))
