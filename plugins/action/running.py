# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action running: units enabled and started, asked of systemd in one shell command, no module.

Why: systemd_service is a Python module run on the host (about 0.25 s of CPU)
for what is, every run but the first, a question with the answer "yes".
"""

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.v6only.gateway.plugins.plugin_utils._shell_action import ShellAction
from ansible_collections.v6only.gateway.plugins.module_utils._running import apply_script, plan, status_script


class ActionModule(ShellAction):
    """Enable and start what is not; reload systemd first when a unit file changed on disk."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        units = self._task.args.get("names")
        if not isinstance(units, list) or not units or set(self._task.args) - {"names"}:
            raise AnsibleActionFail("running takes names, a non-empty list of systemd units, and nothing else")
        units = [str(unit) for unit in units]
        found = self._shell(status_script(units))
        try:
            steps = plan(units, to_text(found["stdout"]).splitlines())
        except ValueError as error:
            raise AnsibleActionFail(f"{error}: {to_text(found['stderr']).strip()}") from error
        result.update(steps, changed=bool(steps["enable"] or steps["start"]))
        script = apply_script(steps)
        if script and not self._task.check_mode:
            done = self._shell(script)
            if done["rc"] != 0:
                result.update(failed=True, msg=f"{script} failed: {to_text(done['stderr']).strip()}"
                              " (see `systemctl status` and `journalctl -u` on the host)")
        return result
