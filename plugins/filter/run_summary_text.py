# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter run_summary_text: the run summary as short plain-text lines for a terminal and AWX."""

from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.module_utils._run_summary import render

DOCUMENTATION = r"""
name: run_summary_text
author: v6only.gateway developers (@v6only)
version_added: 0.2.0
short_description: The run summary as a fixed-width text table
description:
  - Renders the result of C(v6only.gateway.run_summary) as plain lines, no colour, for C(ansible.builtin.debug)'s
    C(msg) (a list of lines reads well in a terminal and in AWX).
  - Each changed customer is a header line, then its changes and the DNS records to set in its zone and at the
    registrar. Lines are cut at C(width) with an ellipsis, except DNS records, which are never cut. Lists longer
    than C(max_rows) end with C(… and N more); customers with no change are one line at the end.
  - The default width stays under the 80 columns at which Ansible's YAML output folds a line of a C(msg) list.
options:
  _input:
    description: The result of C(v6only.gateway.run_summary).
    type: dict
    required: true
  title:
    description: What the run did, for the first line, e.g. C(applied) or C(WOULD change (--check)).
    type: str
    required: true
  width:
    description: The longest line, in characters.
    type: int
    default: 72
  max_rows:
    description: Changes, and DNS records, shown per customer.
    type: int
    default: 10
  max_customers:
    description: Changed customers shown.
    type: int
    default: 20
"""

EXAMPLES = r"""
- name: Print the run summary
  ansible.builtin.debug:
    msg: "{{ summary | v6only.gateway.run_summary_text('applied') }}"
  # => ["Run summary: applied", "1 customer changed, 1 unchanged",
  #     "alice: 1 added",
  #     "  + name  www.alice.example  http, https",
  #     "  Set in its zone:",
  #     "    www.alice.example.  A     198.51.100.20",
  #     "Unchanged: bob"]
"""

RETURN = r"""
_value:
  description: The lines, each at most C(width) characters except DNS records.
  type: list
  elements: str
"""


def run_summary_text(result, title, width=72, max_rows=10, max_customers=20):
    try:
        return render(result, str(title), int(width), int(max_rows), int(max_customers))
    except (ValueError, KeyError, TypeError) as error:
        raise AnsibleFilterError(f"run_summary_text: {error}") from error


class FilterModule:
    def filters(self):
        return {"run_summary_text": run_summary_text}
