#!/usr/bin/env python3
"""How building and validating the customer model grows with the customer count.

Prints seconds per size and the ratio to the previous size; linear growth
shows as a time ratio close to the size ratio. Run from the repository root:

    .venv/bin/python bench/forward_table.py
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "collections"))

from ansible_collections.v6only.gateway.plugins.module_utils._customer_model import build_model, validate  # noqa: E402

SIZES = (10, 1000, 5000, 50000)
SETTINGS = {
    "customer_prefixes": ["2001:db8::/32"],
    "gateway_ipv4": "198.51.100.20",
    "zone": "ip4-gw.example.net",
    # Wide enough for one SSH port per customer at the largest size.
    "ssh_port_range": [10000, 65000],
    "ftp_data_port_range": [65001, 65535],
    "lending_pool": ["198.51.100.{0}".format(n) for n in range(40, 60)],
}


def synthetic(count):
    """`count` customers, one VM each, three services: https, ssh and a zone."""
    customers = []
    for i in range(count):
        name = "c{0}".format(i)
        customers.append({
            "name": name,
            "prefix": "2001:db8:{0:x}:{1:x}::/64".format(i >> 16, i & 0xFFFF),
            "domains": ["{0}.example".format(name)],
            "vms": [{
                "name": name + "-vm",
                "ipv6": "2001:db8:{0:x}:{1:x}::10".format(i >> 16, i & 0xFFFF),
                "services": [
                    {"proto": "https", "names": ["{0}.example".format(name), "www.{0}.example".format(name)]},
                    {"proto": "ssh", "gateway_port": 10000 + i},
                    {"proto": "dns", "zones": ["{0}.example".format(name)]},
                ],
            }],
        })
    return customers


def registry(count):
    """The provider's grant of each synthetic customer: its domain and its /64."""
    return {"customers": {"c{0}".format(i): {
        "domains": ["c{0}.example".format(i)],
        "prefixes": ["2001:db8:{0:x}:{1:x}::/64".format(i >> 16, i & 0xFFFF)],
    } for i in range(count)}}


def best_of(runs, func):
    """Best wall-clock and CPU seconds; CPU time is what a busy CI box cannot inflate."""
    wall = cpu = float("inf")
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def main():
    header = ("customers", "rows", "validate s", "build s", "build cpu s", "size ratio", "cpu ratio")
    print("{0:>9} {1:>7} {2:>11} {3:>9} {4:>12} {5:>11} {6:>10}".format(*header))
    previous = None
    for size in SIZES:
        customers, grants = synthetic(size), registry(size)
        errors = validate(customers, SETTINGS, None, grants)
        assert not errors, errors[:3]
        runs = 5 if size <= 5000 else 2
        validate_s = best_of(runs, lambda: validate(customers, SETTINGS, None, grants))[0]
        build_s, build_cpu = best_of(runs, lambda: build_model(customers, SETTINGS, None, grants))
        rows = len(build_model(customers, SETTINGS, None, grants)["rows"])
        if previous:
            ratios = "{0:>11.0f} {1:>10.1f}".format(size / previous[0], build_cpu / previous[1])
        else:
            ratios = "{0:>11} {1:>10}".format("-", "-")
        print("{0:>9} {1:>7} {2:>11.3f} {3:>9.3f} {4:>12.3f} {5}".format(size, rows, validate_s, build_s, build_cpu, ratios))
        previous = (size, build_cpu)


if __name__ == "__main__":
    main()
