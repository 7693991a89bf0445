# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action run: ansible.builtin.command's argv form, run through the connection's shell, no module.

Why: a command task runs a Python module on the host, about 0.25 s of CPU to
start; the checks and reads a role makes on every run (haproxy -c, wg show)
are worth a few milliseconds each.
"""

import shlex

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.v6only.gateway.plugins.plugin_utils._shell_action import ShellAction


class ActionModule(ShellAction):
    """Run argv on the host; fail on a non-zero exit as the command module does."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        argv = self._task.args.get("argv")
        unknown = sorted(set(self._task.args) - {"argv", "stdin"})
        if not isinstance(argv, list) or not argv or unknown:
            raise AnsibleActionFail("run takes argv, a non-empty list of strings, and optionally stdin"
                                    + (f"; not {', '.join(unknown)}" if unknown else ""))
        command = shlex.join(str(arg) for arg in argv)
        if self._task.check_mode:
            result.update(skipped=True, changed=False, cmd=argv, msg="Not run in check mode")
            return result
        stdin = self._task.args.get("stdin")
        environment = self._compute_environment_string()
        done = self._shell(f"{environment} {command}" if environment else command,
                           in_data=None if stdin is None else to_text(stdin) + "\n")
        stdout, stderr = to_text(done["stdout"]).rstrip("\n"), to_text(done["stderr"]).rstrip("\n")
        result.update(changed=True, cmd=argv, rc=done["rc"], stdout=stdout, stderr=stderr,
                      stdout_lines=stdout.splitlines(), stderr_lines=stderr.splitlines())
        if done["rc"] != 0:
            result.update(failed=True, msg="non-zero return code")
        return result
