#!/usr/bin/python
# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the run action plugin (plugins/action/run.py), which does the work."""

DOCUMENTATION = r"""
module: run
author: v6only.gateway developers (@v6only)
version_added: 0.3.0
short_description: Run a command by argv through the connection's shell, without a module run on the host
description:
  - The argv form of M(ansible.builtin.command), for the checks and reads a role makes every run. The arguments
    are quoted for a POSIX shell and run through the connection, with the task's C(environment) and C(become);
    no Python module starts on the host (about 0.25 s of CPU each for the command module).
  - Reports changed, like the command module; set C(changed_when). Fails on a non-zero exit unless
    C(failed_when) says otherwise. Skipped in check mode unless the task sets C(check_mode) to false.
options:
  argv:
    description: The command and its arguments, each quoted for the shell.
    type: list
    elements: str
    required: true
  stdin:
    description: Text given on standard input, with a newline added.
    type: str
attributes:
  check_mode:
    support: none
    description: Not run in check mode, as M(ansible.builtin.command); a read sets C(check_mode) to false.
  diff_mode:
    support: none
    description: No diff.
"""

EXAMPLES = r"""
- name: Check the candidate config
  v6only.gateway.run:
    argv: [haproxy, -c, -f, /etc/haproxy/candidate/haproxy.cfg]
  changed_when: false
"""

RETURN = r"""
rc:
  description: Exit status.
  type: int
  returned: when run
stdout:
  description: Standard output without its trailing newline.
  type: str
  returned: when run
stderr:
  description: Standard error without its trailing newline.
  type: str
  returned: when run
stdout_lines:
  description: stdout split into lines.
  type: list
  elements: str
  returned: when run
stderr_lines:
  description: stderr split into lines.
  type: list
  elements: str
  returned: when run
"""
