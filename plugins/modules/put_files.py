#!/usr/bin/python
# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the put_files action plugin (plugins/action/put_files.py), which does the work."""

DOCUMENTATION = r"""
module: put_files
author: v6only.gateway developers (@v6only)
version_added: 0.1.0
short_description: Render and place several files in one round trip, without a module run on the host
description:
  - Renders each file on the controller (O(files[].src) as a template, or O(files[].content)) and compares them all
    with the host's files in one shell command (SHA-1, mode, owner, group).
  - Only changed files are uploaded. Each is checked with its O(files[].validate) command first; if any check
    fails, no file is changed. Each changed file is then installed beside its destination and renamed over it.
  - Needs only a POSIX shell and coreutils on the host. A template or copy task runs a Python module (about
    0.25 s of CPU); this compares a role's files in a few milliseconds.
options:
  files:
    description: The files to place.
    type: list
    elements: dict
    required: true
    suboptions:
      dest:
        description: Absolute path on the host. Its directory must exist.
        type: path
        required: true
      src:
        description: Template, looked up as the template module does (the role's C(templates/)).
        type: str
      content:
        description: The file's text, instead of O(files[].src).
        type: str
      mode:
        description: Octal mode.
        type: str
        default: "0644"
      owner:
        description: Owner; without it, a new file belongs to the connecting (or become) user and an existing
          file keeps its owner.
        type: str
      group:
        description: Group, as O(files[].owner).
        type: str
      validate:
        description: Command run on the new file before anything is placed; C(%s) is its path.
        type: str
attributes:
  check_mode:
    support: full
    description: Reports which files would change; nothing is written.
  diff_mode:
    support: full
    description: One diff per changed file.
"""

EXAMPLES = r"""
- name: Write the routing maps
  v6only.gateway.put_files:
    files:
      - dest: /etc/haproxy/haproxy.cfg
        src: haproxy.cfg.j2
        validate: haproxy -c -f %s
      - dest: /etc/haproxy/maps/http.map
        content: "example.com 2001:db8::1\n"
"""

RETURN = r"""
changed_files:
  description: The destinations whose content, mode, owner or group changed (or would, in check mode).
  type: list
  elements: str
  returned: always
"""
