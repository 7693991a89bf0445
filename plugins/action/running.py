# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action running: units enabled and started, asked of systemd in one shell command, no module.

Why: systemd_service is a Python module run on the host (about 0.25 s of CPU)
for what is, every run but the first, a question with the answer "yes"; and
a handler's reload is one systemctl command.
"""

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.v6only.gateway.plugins.plugin_utils._shell_action import ShellAction
from ansible_collections.v6only.gateway.plugins.module_utils._running import (
    apply_script, cycle_script, plan, status_script)

ARGUMENTS = ("names", "disabled", "reloaded", "restarted")


class ActionModule(ShellAction):
    """Enable and start what is not, disable what must not boot, cycle what a handler names; reload systemd first."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        units, disabled, reloaded, restarted = self._units()
        if units or disabled:
            self._converge(result, units, disabled)
        if (reloaded or restarted) and not result.get("failed"):
            result.update(changed=True, reloaded=reloaded, restarted=restarted)
            if not self._task.check_mode:
                self._act(result, cycle_script(reloaded, restarted))
        return result

    def _units(self):
        args = self._task.args
        lists = [args.get(key, []) for key in ARGUMENTS]
        if not all(isinstance(units, list) for units in lists) or not any(lists) or set(args) - set(ARGUMENTS):
            raise AnsibleActionFail("running takes names (units to enable and start), disabled (units kept out of"
                                    " boot), reloaded and restarted (units to cycle, as a handler does): lists of"
                                    " systemd units, at least one unit, and nothing else")
        return [[str(unit) for unit in units] for units in lists]

    def _converge(self, result, units, disabled):
        found = self._shell(status_script(units + disabled))
        try:
            steps = plan(units, to_text(found["stdout"]).splitlines(), disabled)
        except ValueError as error:
            raise AnsibleActionFail(f"{error}: {to_text(found['stderr']).strip()}") from error
        result.update(steps, changed=bool(steps["enable"] or steps["start"] or steps["disable"]))
        script = apply_script(steps)
        if script and not self._task.check_mode:
            self._act(result, script)

    def _act(self, result, script):
        done = self._shell(script)
        if done["rc"] != 0:
            result.update(failed=True, msg=f"{script} failed: {to_text(done['stderr']).strip()}"
                          " (see `systemctl status` and `journalctl -u` on the host)")
