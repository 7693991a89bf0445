#!/usr/bin/python
# Copyright: (c) 2025, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the ipv4_lease action plugin (plugins/action/ipv4_lease.py), which does the work."""

DOCUMENTATION = r"""
module: ipv4_lease
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Lend shelf IPv4 addresses to (VM, protocol) pairs, kept in a reviewed state file
description:
  - Reads the lease state file, reconciles it with the lend demands of the customer model and writes it back.
  - Like C(netbox.netbox.netbox_ip_address) with I(state=present), an existing lease is found and kept where it is;
    a new address is allocated only for a demand that has no lease yet. Several VMs stack on one address while their
    ports differ, and an address already lent out is filled before a fresh one is taken.
  - A lease whose demand disappeared (service or customer removed, or the gateway learned the protocol) moves to
    C(draining) for I(grace) seconds and is freed by the first run after that.
  - The file is written atomically (temporary file and rename) while holding an exclusive lock on its directory, so
    two controllers never interleave. A file that does not parse or breaks an invariant is refused and never
    overwritten; with I(state=present) that includes a lease outside I(pool), on I(gateway_ipv4), on ports its
    protocol is not lent on, or in a state other than C(active) or C(draining) (which needs C(expires)).
  - Runs on the controller, where the inventory lives, inside Ansible's own process (an action plugin, with no
    module run and no connection); use C(run_once=true).
options:
  path:
    description: The state file, a YAML mapping with the key C(leases). A missing file means no leases yet.
    type: path
    required: true
  state:
    description:
      - C(present) allocates, keeps, drains and frees leases and writes the file.
      - C(query) only reads the file and returns it with a report; it never writes.
    type: str
    choices: [present, query]
    default: present
  demands:
    description: What must be leased, one item per (vm, proto), as in C(v6only_gateway_model.lend_demands).
    type: list
    elements: dict
    default: []
  pool:
    description: The shelf of IPv4 addresses that may be lent.
    type: list
    elements: str
    required: true
  gateway_ipv4:
    description:
      - The gateway's shared inbound IPv4 address, which is never lent; a pool or a lease holding it is refused.
    type: str
  grace:
    description: Seconds a removed lease keeps its address before it is freed; at least the DNS TTL of gateway names.
    type: int
    default: 300
  now:
    description: The time as seconds since the epoch; defaults to the controller's clock. Tests pin it.
    type: int
attributes:
  check_mode:
    support: full
    description: Computes and reports every change; the file is not written.
  diff_mode:
    support: full
    description: Shows the state file before and after.
"""

EXAMPLES = r"""
- name: Lease shelf addresses for the lend demands
  v6only.gateway.ipv4_lease:
    path: "{{ inventory_dir }}/ipv4_leases.yml"
    demands: "{{ v6only_gateway_model.lend_demands }}"
    pool: "{{ v6only_gateway_model.settings.lending_pool }}"
    gateway_ipv4: "{{ v6only_gateway_model.settings.gateway_ipv4 }}"
    grace: "{{ v6only_gateway_model.settings.dns_ttl }}"
  run_once: true
  register: leases
# leases.changes => {created: [bob-mail/smtp@198.51.100.104], kept: [], draining: [], freed: []}
"""

RETURN = r"""
leases:
  description: Every lease after this run, sorted by address.
  type: list
  elements: dict
  returned: always
  sample:
    - {address: 198.51.100.104, customer: bob, vm: bob-mail, proto: smtp, ports: [{transport: tcp, port: 25}],
       data_ports: null, state: active, since: "2025-01-31T12:00:00Z", expires: null}
changes:
  description: Lease ids (vm/proto@address) by what happened to them in this run.
  type: dict
  returned: when state is present
  sample: {created: [bob-mail/smtp@198.51.100.104], kept: [], draining: [], freed: []}
report:
  description: Addresses with their tenants, draining leases, free addresses and C(would_free) per protocol.
  type: dict
  returned: always
report_text:
  description: The report formatted for a terminal.
  type: str
  returned: always
"""
