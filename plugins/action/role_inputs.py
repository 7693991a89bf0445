# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action role_inputs: lets the customer path skip a role whose inputs did not change since it last applied them.

Why: a role whose files, maps and daemons would all stay as they are still
costs its dozen or more tasks on every run; a customer change touches four of
the eight roles, and an idle run none.
"""

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.v6only.gateway.plugins.module_utils._role_inputs import (
    MARKER_DIR, code_digest, code_files, fingerprint, read_script, record_script, referenced, unordered)
from ansible_collections.v6only.gateway.plugins.plugin_utils._shell_action import ShellAction

UNSET = "(undefined)"
_PLUGINS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ActionModule(ShellAction):
    """Digest the role's inputs and compare it with the host's marker, or record it there."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        if set(args) - {"skip_unchanged", "record"} or not (("skip_unchanged" in args) ^ ("record" in args)):
            raise AnsibleActionFail("role_inputs takes skip_unchanged (compare) or record (the result of the"
                                    " comparison, once the role applied it)")
        role = self._role_name()
        if "record" in args:
            compared = args["record"]
            if not isinstance(compared, dict) or not all(
                    isinstance(compared.get(k), list) for k in ("names", "unset", "facts")):
                raise AnsibleActionFail("record takes the registered result of the role's comparison task")
            # Digested again: a role may change its own inputs (ipv4_lending
            # writes the lease file the model is built from). The same names
            # and facts as the comparison (a role may gather more facts, as
            # package_facts in a setup task), and what the role set for later
            # roles (unset at its start, as next run) still counts as unset.
            digest, _ = self._digest(task_vars, role, compared)
            done = self._shell(record_script(role, digest, write=not self._task.check_mode))
            if done["rc"] != 0:
                raise AnsibleActionFail(f"cannot record {MARKER_DIR}/{role}: {to_text(done['stderr']).strip()}")
            result.update(changed=to_text(done["stdout"]).strip() != "same", fingerprint=digest)
            return result
        digest, compared = self._digest(task_vars, role)
        last = to_text(self._shell(read_script(role))["stdout"]).strip() if args["skip_unchanged"] else None
        result.update(compared, changed=False, fingerprint=digest, last=last,
                      apply=not args["skip_unchanged"] or last != digest)
        return result

    def _role_name(self):
        role = self._task._role
        if role is None:
            raise AnsibleActionFail("role_inputs compares a role's inputs: use it in a role's tasks")
        return role.get_name(include_role_fqcn=False)

    def _digest(self, task_vars, role, compared=None):
        """(digest, {names, unset, facts} digested); with `compared`, the same ones, `unset` still unset."""
        role_path = self._task._role._role_path
        gathered = task_vars.get("ansible_facts") or {}
        if compared is None:
            globals_, referenced_facts = referenced(role_path)
            names = {name for name in task_vars if name.startswith(role + "_")} | globals_ | {"inventory_hostname"}
            facts, unset = {name for name in referenced_facts if name in gathered}, set()
        else:
            names, facts, unset = set(compared["names"]), set(compared["facts"]), set(compared["unset"])
        values = {name: UNSET if name in unset else self._value(task_vars, name) for name in sorted(names)}
        values["ansible_facts"] = {name: unordered(gathered.get(name, UNSET)) for name in sorted(facts)}
        digest = fingerprint(code_digest(code_files(role_path, _PLUGINS)), values)
        return digest, {"names": sorted(names), "facts": sorted(facts),
                        "unset": sorted(name for name in names if values[name] == UNSET)}

    @staticmethod
    def _value(task_vars, name):
        """The variable as defined, not templated: a role's defaults derive from the model, whose own digest is
        digested, and templating them would cost seconds a role at thousands of customers."""
        # A variable the role sets for later roles is undefined before it runs: that is a value too.
        if name not in task_vars:
            return UNSET
        value = task_vars[name]
        if name == "v6only_gateway_model" and isinstance(value, dict) and "digest" in value:
            return value["digest"]
        return value
