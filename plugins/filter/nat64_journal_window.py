# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter nat64_journal_window: which part of the kernel journal can hold a mapping alive at a time."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._nat64_trace import journal_window

DOCUMENTATION = r"""
name: nat64_journal_window
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: The journal window, in POSIX seconds, to read for an abuse report
description:
  - From O(lookback) seconds before O(_input) (less O(slack)) until O(slack) seconds after it.
positional: lookback, slack
options:
  _input:
    description: The report's time, ISO 8601 (no zone means UTC) or POSIX seconds.
    type: str
    required: true
  lookback:
    description: How long before the report a mapping may have been made.
    type: int
    required: true
  slack:
    description: Seconds of clock error the report may have.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: One day back
  ansible.builtin.debug:
    msg: "{{ '2026-12-02T15:04:05Z' | v6only.gateway.nat64_journal_window(86400) }}"
  # => {'since': 1796137444, 'until': 1796223847}
"""

RETURN = r"""
_value:
  description: C(since) and C(until), POSIX seconds for C(journalctl --since @N --until @N).
  type: dict
"""


def nat64_journal_window(at, lookback, slack=0):
    try:
        return journal_window(at, lookback, slack)
    except ValueError as error:
        raise AnsibleFilterError(f"nat64_journal_window: {error}") from error


class FilterModule:
    def filters(self):
        return {"nat64_journal_window": nat64_journal_window}
