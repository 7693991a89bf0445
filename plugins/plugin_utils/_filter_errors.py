"""One way for thin filters to fail: a ValueError becomes an AnsibleFilterError naming the filter."""

import functools

from ansible.errors import AnsibleFilterError


def reporting(name, function):
    """`function` as the filter `name`: same arguments and result, errors prefixed with the name."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ValueError as error:
            raise AnsibleFilterError(f"{name}: {error}") from error

    return run
