# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nat64_reuse_delay_problems: Jool timeouts that would break RFC 6888 REQ-8."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._nat64_policy import reuse_delay_problems

DOCUMENTATION = r"""
name: nat64_reuse_delay_problems
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Check Jool's timeouts hold a freed port for at least 120 seconds
description:
  - Jool frees a pool4 port when the last session of its BIB entry expires, so C(tcp-trans-timeout),
    C(udp-timeout) and C(icmp-timeout) are the port-reuse delay of RFC 6888 REQ-8.
  - Returns one message per timeout under 120 seconds; an empty list when all are fine.
  - Fails on a duration that is not C([[HH:]MM:]SS[.mmm]).
options:
  _input:
    description: Jool globals, as in the C(global) object of C(jool.conf).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Jool's default ICMP timeout is too short for REQ-8
  ansible.builtin.debug:
    msg: "{{ {'icmp-timeout': '1:00', 'tcp-trans-timeout': '4:00'} | v6only.gateway.nat64_reuse_delay_problems }}"
  # => ["icmp-timeout is '1:00': a freed port could be mapped again in under 120 s (RFC 6888 REQ-8). Fix: at least '2:00'."]
"""

RETURN = r"""
_value:
  description: Messages a person can act on; empty when every timeout is at least 120 seconds.
  type: list
  elements: str
"""


def nat64_reuse_delay_problems(jool_globals):
    try:
        return reuse_delay_problems(jool_globals)
    except ValueError as error:
        raise AnsibleFilterError(f"nat64_reuse_delay_problems: {error}") from error


class FilterModule:
    def filters(self):
        return {"nat64_reuse_delay_problems": nat64_reuse_delay_problems}
