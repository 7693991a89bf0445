# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action ipv4_lease: the lease state file lives beside the inventory, so the work runs in Ansible's own process.

Why not a module delegated to localhost: that costs a module run (about 0.3 s)
on every run of the customer path, for a file the controller already has.
"""

from ansible.plugins.action import ActionBase

from ansible_collections.v6only.gateway.plugins.plugin_utils._lease_apply import ARGUMENT_SPEC, apply


class ActionModule(ActionBase):
    """Validate the arguments as the module's spec says, then reconcile the file on the controller."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, params = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        result.update(apply(params, check_mode=self._task.check_mode, diff=self._task.diff))
        return result
