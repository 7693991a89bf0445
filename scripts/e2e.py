#!/usr/bin/env python3
"""The end-to-end matrix: can an IPv6-only VM do everything an IPv4 VM can?

Rows are protocols, columns are paths. Every cell runs a real client (curl,
swaks, dig, kdig, ssh, nc) inside a lab container through `podman exec` and
prints ✓ or ✗ with its latency; every ✗ is listed with its reason and the
exact command that reproduces it. A cell whose serving role is not applied by
playbooks/site.yml prints ✗ "role X not deployed yet": nothing is assumed.
Exit status: 0 only when every cell is ✓.

    python3 scripts/e2e.py [--inventory inventories/lab/hosts.yml]
"""

import argparse
import base64
import concurrent.futures
import ipaddress
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import uuid

import dns.message
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 20

# (label, catalogue proto) in display order; paths other than IPv4 -> VM add
# their own rows below.
INBOUND_ROWS = [
    ("HTTP", "http"), ("HTTPS", "https"),
    ("SMTP 25 STARTTLS", "smtp"), ("SMTPS 465", "smtps"), ("Submission 587", "submission"),
    ("DNS/UDP", "dns"), ("DNS/TCP", "dns"), ("DoT", "dot"), ("DoH", "doh"),
    ("IMAP STARTTLS", "imap"), ("IMAPS", "imaps"), ("POP3 STARTTLS", "pop3"), ("POP3S", "pop3s"),
    ("SSH", "ssh"), ("FTP passive", "ftp"), ("FTPS", "ftps"), ("custom TCP", "custom"),
]
EXTRA_ROWS = ["DNS64 AAAA", "DHCPv6 address", "Default gateway", "VRRP failover"]

# A real DHCPv6 exchange from the VM's MAC (DUID-LL); the lease goes to a scratch file and the
# address is not installed (podman already put it on eth0).
DHCLIENT = ("rm -f /tmp/e2e-dhcp6.leases; timeout 15 dhclient -6 -1 -D LL -sf /bin/true "
            "-lf /tmp/e2e-dhcp6.leases -pf /tmp/e2e-dhcp6.pid eth0 && dhclient -6 -x -pf /tmp/e2e-dhcp6.pid; "
            "grep -o 'iaaddr [0-9a-f:]*' /tmp/e2e-dhcp6.leases")


class Cell:
    """One check: a shell command in a container (or, without one, a bash script on the host
    driving several containers) and what its output must contain."""

    def __init__(self, container=None, command=None, expect=None, reason=None, check=None, serial=False):
        self.container, self.command, self.expect = container, command, expect
        self.serial = serial          # runs alone, after the others (e.g. it fails a router over)
        self.reason = reason          # set: fails without running (e.g. role not deployed)
        self.check = check            # optional callable(output) -> error or None
        self.ok, self.ms, self.error = False, None, reason

    def argv(self):
        if self.container is None:
            return ["bash", "-c", self.command]
        return ["podman", "exec", self.container, "sh", "-c", self.command]

    def reproduce(self):
        if not self.command:
            return None
        return " ".join(shlex.quote(arg) for arg in self.argv())

    def run(self):
        if self.reason:
            return self
        start, limit = time.monotonic(), TIMEOUT * (4 if self.serial else 1)
        try:
            proc = subprocess.run(self.argv(), capture_output=True, text=True, timeout=limit, errors="replace")
            out, rc = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired:
            out, rc = "timed out after {0} s".format(limit), -1
        self.ms = (time.monotonic() - start) * 1000
        if rc != 0:
            self.error = "exit {0}: {1}".format(rc, last_line(out))
        elif self.expect and self.expect not in out:
            self.error = "output lacks {0!r}: {1}".format(self.expect, last_line(out))
        elif self.check:
            self.error = self.check(out)
        self.ok = self.error is None
        return self


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else "(no output)"


def deployed_roles():
    """Roles that playbooks/site.yml applies (commented plays do not count)."""
    with open(os.path.join(ROOT, "playbooks", "site.yml")) as handle:
        plays = yaml.safe_load(handle) or []
    roles = set()
    for play in plays:
        for role in play.get("roles", []):
            name = role["role"] if isinstance(role, dict) else role
            roles.add(name.split(".")[-1])
    return roles


def export(inventory):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "lab.json")
        subprocess.run(["ansible-playbook", "-i", inventory, os.path.join(ROOT, "playbooks", "lab_model.yml"),
                        "-e", "lab_model_out=" + out], check=True, stdout=subprocess.DEVNULL)
        with open(out) as handle:
            return json.load(handle)


def doh_query(zone):
    wire = dns.message.make_query(zone, "TXT").to_wire()
    return base64.urlsafe_b64encode(wire).decode().rstrip("=")


def delivered(container, user, marker, seconds=15):
    """None once a message with `marker` is in the user's mailbox on the container."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if subprocess.run(["podman", "exec", container, "grep", "-q", marker, "/var/mail/" + user]).returncode == 0:
            return None
        time.sleep(0.5)
    return "queued by the relay but not in {0}:/var/mail/{1} after {2} s".format(container, user, seconds)


# One row per protocol: the IPv4 client's command and the answer that proves
# the VM itself served it. The fields are inbound_fields()'s.
SSH = ("ssh -p {port} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
       "-o ConnectTimeout=10 root@{ip} hostname")
INBOUND = {
    "http": ("curl -sS --max-time 10 {resolve} http://{name}:{port}/", "{vm} http {name}"),
    "https": ("curl -sS --max-time 10 {resolve} https://{name}:{port}/", "{vm} https {name}"),
    "doh": ("curl -sS --max-time 10 {resolve} -H 'accept: application/dns-message' "
            "'https://{name}:{port}/dns-query?dns={doh}' | tr -c '[:print:]' ' '", "served by {vm}"),
    "dot": ("kdig @{ip} -p {port} +tls-ca +tls-hostname={name} +tls-sni={name} +short {zone} TXT", "served by {vm}"),
    "dns": ("dig @{ip} -p {port} +short {dig_transport} {match} TXT", "served by {vm}"),
    "smtp": ("{swaks} --tls", "250 2.0.0 Ok: queued"),
    "submission": ("{swaks} --tls", "250 2.0.0 Ok: queued"),
    "smtps": ("{swaks} --tlsc --tls-sni {name}", "250 2.0.0 Ok: queued"),
    "imap": ("curl -sS -v --max-time 10 --ssl-reqd {auth} {resolve} imap://{name}:{port}/", "Logged in"),
    "pop3": ("curl -sS -v --max-time 10 --ssl-reqd {auth} {resolve} pop3://{name}:{port}/", "Logged in"),
    "imaps": ("curl -sS -v --max-time 10 {auth} {resolve} imaps://{name}:{port}/", "Logged in"),
    "pop3s": ("curl -sS -v --max-time 10 {auth} {resolve} pop3s://{name}:{port}/", "Logged in"),
    "ssh": (SSH, "{container}"),
    "ftp": ("curl -sS --max-time 10 --disable-epsv ftp://{ip}:{port}/hello.txt", "{vm}: FTP"),
    "ftps": ("curl -sS --max-time 10 --disable-epsv {resolve} ftps://{name}:{port}/hello.txt", "{vm}: FTP"),
    "custom": ("nc -w 5 {ip} {port} </dev/null", "custom {backend_port}"),
}


def inbound_fields(lab, label, row):
    """What the INBOUND commands and answers name, for one row of the matrix."""
    model, vm, ip, port = lab["model"], row["vm"], row["listen_ipv4"], row["listen_port"]
    customer = next(c for c in model["customers"] if c["name"] == row["customer"])
    name = row["match"][0] if row["match"] else row["gateway_name"]
    zones = [r for r in model["rows"] if r["vm"] == vm and r["proto"] == "dns"]
    zone = zones[0]["match"][0] if zones else None
    rcpt = "{0}@{1}".format(lab["lab_user"], (customer["domains"] or ["lab.example"])[0])
    return {
        "ip": ip, "port": port, "name": name, "vm": vm, "zone": zone, "backend_port": row["backend_port"],
        "resolve": "--resolve {0}:{1}:{2}".format(name, port, ip),
        "auth": "-u {0}:{1}".format(lab["lab_user"], lab["lab_password"]),
        "swaks": "swaks --server {0}:{1} --to {2} --from e2e@lab.example --helo e2e.lab.example".format(ip, port, rcpt),
        "doh": doh_query(zone) if zone else None,
        "dig_transport": "+tcp" if "TCP" in label else "+notcp",
        "match": row["match"][0] if row["match"] else None,
        "container": lab["vm_containers"].get(row["backend_ipv6"]),
    }


def inbound_cell(lab, label, row, deployed):
    """IPv4 client -> gateway (or lent address) -> the VM's own service."""
    proto, vm = row["proto"], row["vm"]
    if row["served_by"] not in deployed:
        return Cell(reason="role {0} not deployed yet".format(row["served_by"]))
    if row["listen_ipv4"] is None:
        return Cell(reason="no IPv4 address lent to {0}/{1} yet".format(vm, proto))
    if proto not in INBOUND:
        return Cell(reason="no check for " + proto)
    if proto == "custom" and row["transport"] != "tcp":
        return Cell(reason="the lab has no {0} stand-in".format(row["transport"]))
    fields = inbound_fields(lab, label, row)
    if proto in ("doh", "dot") and not fields["zone"]:
        return Cell(reason="{0} has no zone to ask over {1}".format(vm, "DoH" if proto == "doh" else "DoT"))
    command, answer = (text.format(**fields) for text in INBOUND[proto])
    if proto in ("smtp", "submission") and row["routing"] == "relay":
        # The relay answers "queued" itself: only the VM's mailbox proves delivery.
        marker = "e2e-" + uuid.uuid4().hex
        return Cell(lab["client"], command + " --header 'Subject: {0}'".format(marker), answer,
                    check=lambda out: delivered(lab["vm_containers"][row["backend_ipv6"]], lab["lab_user"], marker))
    return Cell(lab["client"], command, answer)


def nat64_cells(lab, deployed):
    """The VM fetches from an IPv4-only server by name, through DNS64 and NAT64."""
    model, web = lab["model"], lab["v4only_web"]
    prefix = ipaddress.ip_network(model["nat64_prefix"])
    container = sorted(lab["vm_containers"].values())[0]

    def synthesized(out):
        for line in out.split():
            try:
                if ipaddress.ip_address(line) in prefix:
                    return None
            except ValueError:
                continue
        return "no AAAA inside {0}: {1}".format(prefix, last_line(out))

    cells = {}
    if "unbound_dns64" in deployed:
        cells["DNS64 AAAA"] = Cell(container, "dig +short AAAA " + web, check=synthesized)
    else:
        cells["DNS64 AAAA"] = Cell(reason="role unbound_dns64 not deployed yet")
    missing = [r for r in ("unbound_dns64", "jool_nat64") if r not in deployed]
    if missing:
        cells["HTTP"] = Cell(reason="role {0} not deployed yet".format(", ".join(missing)))
    else:
        cells["HTTP"] = Cell(container, "curl -sS --max-time 10 http://{0}/".format(web), "IPv4-only web server")
    return cells


def vpn_cells(lab, deployed):
    """An IPv4-only admin reaches a VM over WireGuard (ssh and curl over IPv6).

    The client config is the one wireguard_vpn wrote for the lab's own peer
    (lab-admin); its private key comes from the lab's PKI, never from git.
    """
    if "wireguard_vpn" not in deployed:
        reason = "role wireguard_vpn not deployed yet"
        return {"SSH": Cell(reason=reason), "HTTP": Cell(reason=reason)}
    client, server = lab["client"], lab["vpn_servers"][0]
    config = os.path.join(lab["wg_store"], server, "lab-admin.conf")
    key = os.path.join(lab["pki_dir"], "wg-admin.key")
    missing = [path for path in (config, key) if not os.path.exists(path)]
    if missing:
        reason = "missing {0} (scripts/lab.sh makes the key, wireguard_vpn the config)".format(", ".join(missing))
        return {"SSH": Cell(reason=reason), "HTTP": Cell(reason=reason)}
    with open(config) as handle, open(key) as secret:
        private = secret.read().strip()
        text = "".join("PrivateKey = {0}\n".format(private) if line.startswith("PrivateKey") else line
                       for line in handle if not line.startswith("DNS"))
    # wg-quick over wireguard-go: containers have no WireGuard module.
    setup = ("mkdir -p /etc/wireguard && umask 077 && cat >/etc/wireguard/wgadmin.conf && "
             "(wg show wgadmin >/dev/null 2>&1 && wg syncconf wgadmin <(wg-quick strip wgadmin) || "
             "WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go wg-quick up wgadmin)")
    proc = subprocess.run(["podman", "exec", "-i", client, "bash", "-c", setup], input=text,
                          capture_output=True, text=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        reason = "wg-quick up failed: " + last_line(proc.stdout + proc.stderr)
        return {"SSH": Cell(reason=reason), "HTTP": Cell(reason=reason)}
    vm = next(v for v in lab["model"]["vms"] if v["ipv6"] in lab["vm_containers"])
    rows = [r for r in lab["model"]["rows"] if r["vm"] == vm["name"] and r["proto"] == "http"]
    host = rows[0]["match"][0] if rows else vm["name"]
    ssh = ("ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
           "-o ConnectTimeout=10 root@{0} hostname").format(vm["ipv6"])
    curl = "curl -sS --max-time 10 -H 'Host: {0}' http://[{1}]/".format(host, vm["ipv6"])
    return {"SSH": Cell(client, ssh, lab["vm_containers"][vm["ipv6"]]),
            "HTTP": Cell(client, curl, vm["name"] + " http")}


def lan_cells(lab, deployed):
    """The VM's address and gateway from the routers, kept through a VRRP failover."""
    rows = ("DHCPv6 address", "Default gateway", "VRRP failover")
    if "dhcpv6_radvd_vrrp" not in deployed:
        return {row: Cell(reason="role dhcpv6_radvd_vrrp not deployed yet") for row in rows}
    lan, (master, backup) = lab["lan"], lab["routers"][:2]
    vm = next(v for v in lab["model"]["vms"] if v["ipv6"] in lab["vm_containers"] and v.get("duid"))
    container = lab["vm_containers"][vm["ipv6"]]
    far = lab["model"]["settings"]["gateway_ipv6"]  # beyond the routers, on the provider network
    gateway = ("ip -6 route show default && ping -c1 -W3 {0} >/dev/null && echo reached {0}").format(far)
    # Stops keepalived on the master: the backup takes both VIPs and starts Kea, the VM reaches
    # the provider network through it and gets the same reservation; the master then takes over
    # again (preempt), so the lab is left as it was.
    failover = """set -u
on() {{ podman exec "$1" ip -6 -o addr show dev {iface} | grep -q " {gw}/"; }}
wait_for() {{ for _ in $(seq 1 $1); do "${{@:2}}" && return 0; sleep 0.5; done; return 1; }}
trap 'podman exec {master} systemctl start keepalived; wait_for 30 on {master}' EXIT
podman exec {master} systemctl stop keepalived
wait_for 20 on {backup} || {{ echo "{backup} did not take {gw}"; exit 1; }}
wait_for 20 podman exec {vm} ping -c1 -W1 {far} >/dev/null || {{ echo "no route to {far} via {backup}"; exit 1; }}
podman exec {vm} sh -c {dhcp}
echo "{vm} reached {far} via {backup}" """.format(
        iface=lan["interface"], gw=lan["gateway"], master=master, backup=backup, vm=container,
        far=far, dhcp=shlex.quote(DHCLIENT))
    return {
        # grep -o prints one match per line: the newline keeps ::10 from matching ::100.
        "DHCPv6 address": Cell(container, DHCLIENT, "iaaddr {0}\n".format(vm["ipv6"])),
        "Default gateway": Cell(container, gateway, "default via {0} dev eth0 proto ra".format(lan["link_local"]),
                                check=lambda out: None if "reached" in out else "no reply from " + far),
        "VRRP failover": Cell(None, failover, "iaaddr {0}\n".format(vm["ipv6"]), serial=True),
    }


def build(lab):
    deployed = deployed_roles()
    model = lab["model"]
    columns, cells = [], {}
    for vm in model["vms"]:
        if vm["ipv6"] not in lab["vm_containers"]:
            continue  # a model VM without a stand-in (the lab admin's)
        column = "IPv4 → " + vm["name"]
        columns.append(column)
        rows = {r["proto"]: r for r in model["rows"] if r["vm"] == vm["name"]}
        for label, proto in INBOUND_ROWS:
            if proto in rows:
                cells[(label, column)] = inbound_cell(lab, label, rows[proto], deployed)
    for column, make, hosts in (("VM → IPv4 (DNS64+NAT64)", nat64_cells, True),
                                ("IPv4 admin → WG → VM", vpn_cells, lab["vpn_servers"]),
                                ("LAN: DHCPv6 + VRRP", lan_cells, lab["routers"])):
        if not hosts:  # an inventory without that group has no such path
            continue
        columns.append(column)
        for label, cell in make(lab, deployed).items():
            cells[(label, column)] = cell
    return columns, cells


def render(columns, cells):
    labels = [label for label, _ in INBOUND_ROWS] + EXTRA_ROWS
    labels = [label for i, label in enumerate(labels) if label not in labels[:i]]
    labels = [label for label in labels if any((label, c) in cells for c in columns)]
    width = max(len(label) for label in labels) + 2
    widths = [max(len(c), 9) + 2 for c in columns]
    lines = ["".ljust(width) + "".join(c.ljust(w) for c, w in zip(columns, widths))]
    for label in labels:
        line = label.ljust(width)
        for column, w in zip(columns, widths):
            cell = cells.get((label, column))
            if cell is None:
                text = "·"
            elif cell.ok:
                text = "✓ {0:.0f} ms".format(cell.ms)
            else:
                text = "✗" + (" {0:.0f} ms".format(cell.ms) if cell.ms is not None else "")
            line += text.ljust(w)
        lines.append(line.rstrip())
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", default=os.path.join(ROOT, "inventories", "lab", "hosts.yml"))
    parser.add_argument("--jobs", type=int, default=4, help="cells run at once")
    parser.add_argument("--pending-ok", action="store_true",
                        help="exit 0 when the only ✗ are roles not deployed yet (still printed)")
    args = parser.parse_args()
    lab = export(args.inventory)
    columns, cells = build(lab)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(Cell.run, [cell for cell in cells.values() if not cell.serial]))
    for cell in cells.values():
        if cell.serial:
            cell.run()
    print(render(columns, cells))
    failed = [(key, cell) for key, cell in cells.items() if not cell.ok]
    passed = len(cells) - len(failed)
    print("\n{0} of {1} cells ✓ (· = the path does not carry that protocol)".format(passed, len(cells)))
    for (label, column), cell in failed:
        print("\n✗ {0} | {1}: {2}".format(label, column, cell.error))
        if cell.reproduce():
            print("  reproduce: " + cell.reproduce())
    if args.pending_ok:
        failed = [item for item in failed if not (item[1].reason or "").endswith("not deployed yet")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
