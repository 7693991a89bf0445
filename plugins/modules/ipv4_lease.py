#!/usr/bin/python
# Copyright: (c) 2025, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module ipv4_lease: keep the IPv4 lending state file in step with the customer model."""

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
  - Runs on the controller, where the inventory lives; use C(delegate_to=localhost) and C(run_once=true).
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
  delegate_to: localhost
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

import contextlib
import fcntl
import os
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.v6only.gateway.plugins.module_utils._lease_file import read_state
from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import LeaseError, allocate
from ansible_collections.v6only.gateway.plugins.module_utils._lease_report import format_report, report

try:
    import yaml
except ImportError:  # pragma: no cover - ansible-core itself requires PyYAML
    yaml = None

HEADER = (
    "---\n"
    "# IPv4 lending state, written by v6only.gateway.ipv4_lease. Review it like\n"
    "# code: a lease never moves, and a removed one drains until `expires`\n"
    "# before it is freed.\n"
)


@contextlib.contextmanager
def locked(directory):
    """Hold an exclusive lock on the state file's directory: renames replace the file, so it cannot hold the lock."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


if yaml is not None:
    class _ReviewableDumper(yaml.SafeDumper):
        """Indents lists under their key, as yamllint's default rules (and reviewers) expect."""

        def increase_indent(self, flow=False, indentless=False):
            return super().increase_indent(flow, False)


def render(leases):
    return HEADER + yaml.dump({"leases": leases}, Dumper=_ReviewableDumper, default_flow_style=False,
                              sort_keys=False, width=160)


def write_atomically(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    fd, temporary = tempfile.mkstemp(prefix=".ipv4_lease.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "state": {"type": "str", "choices": ["present", "query"], "default": "present"},
            "demands": {"type": "list", "elements": "dict", "default": []},
            "pool": {"type": "list", "elements": "str", "required": True},
            "gateway_ipv4": {"type": "str"},
            "grace": {"type": "int", "default": 300},
            "now": {"type": "int"},
        },
        supports_check_mode=True,
    )
    if yaml is None:
        module.fail_json(msg="ipv4_lease needs PyYAML on the controller")
    path = module.params["path"]
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        module.fail_json(msg=f"the directory of the lease state file {path} does not exist. Fix: set the path "
                             "inside the inventory, e.g. {{ inventory_dir }}/ipv4_leases.yml")
    now = module.params["now"] if module.params["now"] is not None else int(time.time())
    try:
        with locked(directory):
            before_text, before = read_state(path)
            if module.params["state"] == "query":
                summary = report(before, module.params["pool"])
                module.exit_json(changed=False, leases=before, report=summary, report_text=format_report(summary))
            after, changes = allocate(before, module.params["demands"], module.params["pool"], now,
                                      module.params["grace"], module.params["gateway_ipv4"])
            after_text = render(after)
            # Compare leases, not text: a hand-formatted but equal file is left as it is.
            changed = after != before or not os.path.exists(path)
            if changed and not module.check_mode:
                write_atomically(path, after_text)
    except LeaseError as error:
        module.fail_json(msg=str(error))
    summary = report(after, module.params["pool"])
    result = {
        "changed": changed, "leases": after, "changes": changes, "report": summary,
        "report_text": format_report(summary),
    }
    if module._diff and changed:
        result["diff"] = {"before": before_text, "after": after_text,
                          "before_header": path, "after_header": f"{path} (" + ", ".join(
                              f"{kind}: {len(ids)}" for kind, ids in changes.items()) + ")"}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
