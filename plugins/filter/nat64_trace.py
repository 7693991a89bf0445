# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nat64_trace: answer an IPv4 abuse report from Jool's BIB log and the customer model."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._nat64_trace import trace

DOCUMENTATION = r"""
name: nat64_trace
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Who held an IPv4 address and port of pool4 at a given time
description:
  - Parses Jool's C(logging-bib) kernel log lines (C(Mapped) and C(Forgot)), pairs them into mappings and
    keeps those of O(address)#O(port) alive at O(at), give or take O(slack) seconds.
  - Names each mapping's owner from the customer model, the VM with that exact address, else the VPN peer
    whose prefix holds it, else the customer whose prefix holds it.
  - The summary says why nothing matched when nothing did.
positional: address, port, at, model
options:
  _input:
    description: Kernel journal text (one message per line).
    type: str
    required: true
  address:
    description: The IPv4 address from the report (a pool4 address).
    type: str
    required: true
  port:
    description: The port (or ICMP id) from the report.
    type: int
    required: true
  at:
    description: When, as ISO 8601 (no zone means UTC) or POSIX seconds.
    type: str
    required: true
  model:
    description: The customer model (C(v6only_gateway_model)).
    type: dict
    required: true
  slack:
    description: Seconds of clock error the report may have.
    type: int
    default: 0
  protocol:
    description: C(TCP), C(UDP) or C(ICMP); any when omitted.
    type: str
"""

EXAMPLES = r"""
- name: Who was 198.51.100.20#61022 at 15:04:05 UTC
  ansible.builtin.debug:
    msg: "{{ (journal.stdout | v6only.gateway.nat64_trace('198.51.100.20', 61022, '2026-12-02T15:04:05Z', v6only_gateway_model)).summary }}"
  # => 198.51.100.20#61022 at 2026-12-02T15:04:05+00:00 was:
  #      TCP [2001:db8:100:a::10]:40512 -> 198.51.100.20#61022, mapped 2026-12-02T15:04:01+00:00 until still mapped;
  #      customer alice, VM alice-web (VM address)
"""

RETURN = r"""
_value:
  description: C(answers), one per mapping (protocol, ipv6, port6, ipv4, port4, start, end, customer, vm, peer,
    matched_by), and C(summary), the text for a person.
  type: dict
"""


def nat64_trace(journal, address, port, at, model, slack=0, protocol=None):
    try:
        return trace(journal, address, port, at, model, slack, protocol or None)
    except ValueError as error:
        raise AnsibleFilterError(f"nat64_trace: {error}") from error


class FilterModule:
    def filters(self):
        return {"nat64_trace": nat64_trace}
