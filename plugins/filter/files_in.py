# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter files_in: {name: text} as put_files entries under one directory."""

from ansible_collections.v6only.gateway.plugins.module_utils._put_files import files_in as _files_in
from ansible_collections.v6only.gateway.plugins.plugin_utils._filter_errors import reporting

DOCUMENTATION = r"""
name: files_in
author: v6only.gateway developers (@v6only)
version_added: 0.3.0
short_description: Texts by file name as put_files entries under one directory
description:
  - Takes a mapping of file name to text and returns a list of C(dest)/C(content) entries for
    M(v6only.gateway.put_files), sorted by name, with any other keyword given (C(mode), C(owner)) on each.
options:
  _input:
    description: File name to text.
    type: dict
    required: true
  directory:
    description: The directory the files go in.
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Write the routing maps
  v6only.gateway.put_files:
    files: "{{ {'http.map': 'example.com 2001:db8::1'} | v6only.gateway.files_in('/etc/haproxy/maps') }}"
  # files => [{'dest': '/etc/haproxy/maps/http.map', 'content': 'example.com 2001:db8::1'}]
"""

RETURN = r"""
_value:
  description: One C(dest)/C(content) mapping per file.
  type: list
"""

files_in = reporting("files_in", _files_in)


class FilterModule:
    def filters(self):
        return {"files_in": files_in}
