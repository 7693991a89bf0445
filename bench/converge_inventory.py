#!/usr/bin/env python3
"""Write the lab inventory with N synthetic customers, for bench/converge.sh.

    bench/converge_inventory.py DIR COUNT [--newcomer]

DIR is a copy of inventories/lab. Its customer files named bench-* are
replaced by COUNT synthetic customers (one VM each: HTTP, HTTPS with PROXY v2
and SSH on its own gateway port), each granted its domain and its /64 in
group_vars/all/registry.yml; the SSH port range is widened to hold them, and
group_vars/all/bench.yml gives lab-gw a pool4 range that holds their NAT64
slices. --newcomer adds one more customer, the one whose arrival and
departure the bench times.
"""

import argparse
import glob
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The lab's 800 SSH ports hold 800 customers; the bench widens the range and
# keeps the lab customers' own ports (2200-2999) in it.
SSH_PORTS = (2200, 9999)
FIRST_SSH_PORT = 3000
# RFC 6888 REQ-4 slices: one pool4 address cannot give 5,000 customers the
# default 512 ports each (a provider adds pool4 addresses). The bench gives each
# a 4-port slice on a wider range of the one address, clear of the SSH ports.
NAT64_PORTS = 4
POOL4 = [{"prefix": "{{ ansible_default_ipv4.address }}/32", "port_range": "40000-60999"}]
FIRST_PREFIX = 0x1000  # clear of the lab's own customers' /64s (a, b, c)


def customer(i):
    name = "bench-{0:05d}".format(i)
    prefix = "2001:db8:100:{0:x}::".format(FIRST_PREFIX + i)
    domain = "{0}.example".format(name)
    return name, domain, prefix + "/64", {
        "prefix": prefix + "/64",
        "domains": [domain],
        "vms": [{"name": name + "-web", "ipv6": prefix + "10", "services": [
            {"proto": "http", "names": [domain, "www." + domain]},
            {"proto": "https", "names": [domain, "www." + domain], "proxy_protocol": True},
            {"proto": "ssh", "gateway_port": FIRST_SSH_PORT + i},
        ]}],
    }


def write(directory, count, newcomer):
    """Replace DIR's bench customers and their grants; the lab's own stay as in inventories/lab."""
    for path in glob.glob(os.path.join(directory, "customers", "bench-*.yml")):
        os.remove(path)
    lab = os.path.join(ROOT, "inventories", "lab", "group_vars", "all")
    with open(os.path.join(lab, "registry.yml"), encoding="utf-8") as handle:
        registry = yaml.safe_load(handle)
    with open(os.path.join(lab, "v6only_gateway.yml"), encoding="utf-8") as handle:
        settings = yaml.safe_load(handle)
    settings["v6only_gateway"]["ssh_port_range"] = list(SSH_PORTS)
    for i in list(range(count)) + ([count] if newcomer else []):
        name, domain, prefix, data = customer(i)
        with open(os.path.join(directory, "customers", name + ".yml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle, sort_keys=False)
        registry["v6only_gateway_registry"]["customers"][name] = {"domains": [domain], "prefixes": [prefix]}
    registry["v6only_gateway_registry"]["quotas"] = {"nat64_ports": NAT64_PORTS}
    bench = {"jool_nat64_pool4": POOL4}
    for name, data in (("registry.yml", registry), ("v6only_gateway.yml", settings), ("bench.yml", bench)):
        with open(os.path.join(directory, "group_vars", "all", name), "w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle, sort_keys=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("count", type=int)
    parser.add_argument("--newcomer", action="store_true")
    args = parser.parse_args()
    write(args.directory, args.count, args.newcomer)


if __name__ == "__main__":
    main()
