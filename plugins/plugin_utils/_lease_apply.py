# Copyright: (c) 2025, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ipv4_lease action's work: reconcile the lease state file with the demands, under a lock."""

import contextlib
import fcntl
import json
import os
import tempfile
import time

import yaml

from ansible_collections.v6only.gateway.plugins.module_utils._lease_file import read_state
from ansible_collections.v6only.gateway.plugins.module_utils._lease_report import format_report, report
from ansible_collections.v6only.gateway.plugins.module_utils._lease_store import LeaseError, allocate

ARGUMENT_SPEC = {
    "path": {"type": "path", "required": True},
    "state": {"type": "str", "choices": ["present", "query"], "default": "present"},
    "demands": {"type": "list", "elements": "dict", "default": []},
    "pool": {"type": "list", "elements": "str", "required": True},
    "gateway_ipv4": {"type": "str"},
    "grace": {"type": "int", "default": 300},
    "now": {"type": "int"},
}

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


def apply(params, check_mode=False, diff=False):
    """The task's result for validated params (ARGUMENT_SPEC): a failed result for a refused state, never a raise."""
    # Plain JSON types: in Ansible's process the values are its tagged str and
    # dict subclasses, which the YAML dumper refuses.
    params = json.loads(json.dumps(params))
    path = params["path"]
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        return {"failed": True, "msg": f"the directory of the lease state file {path} does not exist. Fix: set the "
                                       "path inside the inventory, e.g. {{ inventory_dir }}/ipv4_leases.yml"}
    now = params["now"] if params["now"] is not None else int(time.time())
    try:
        with locked(directory):
            before_text, before = read_state(path)
            if params["state"] == "query":
                summary = report(before, params["pool"])
                return {"changed": False, "leases": before, "report": summary, "report_text": format_report(summary)}
            after, changes = allocate(before, params["demands"], params["pool"], now, params["grace"],
                                      params["gateway_ipv4"])
            after_text = render(after)
            # Compare leases, not text: a hand-formatted but equal file is left as it is.
            changed = after != before or not os.path.exists(path)
            if changed and not check_mode:
                write_atomically(path, after_text)
    except LeaseError as error:
        return {"failed": True, "msg": str(error)}
    summary = report(after, params["pool"])
    result = {"changed": changed, "leases": after, "changes": changes, "report": summary,
              "report_text": format_report(summary)}
    if diff and changed:
        result["diff"] = {"before": before_text, "after": after_text, "before_header": path,
                          "after_header": f"{path} (" + ", ".join(
                              f"{kind}: {len(ids)}" for kind, ids in changes.items()) + ")"}
    return result
