# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the actions that work with shell commands instead of a module run on the host."""

from ansible.plugins.action import ActionBase


class ShellAction(ActionBase):
    """A module run costs about 0.25 s of CPU; a shell command through the connection, milliseconds."""

    _supports_check_mode = True
    _supports_async = False

    def _shell(self, command, in_data=None):
        # Over SSH a sudoable command gets a tty, which merges stderr into stdout
        # and ends lines with CRLF; only a become needs one.
        return self._low_level_execute_command(command, sudoable=bool(self._connection.become), in_data=in_data)
