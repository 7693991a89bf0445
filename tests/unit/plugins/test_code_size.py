"""The plugins stay readable: no function over a screen, no shared module over 400 lines."""

import ast
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[3] / "plugins"
MAX_FUNCTION_LINES = 60
MAX_MODULE_UTILS_LINES = 400


def functions(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("path", sorted(PLUGINS.rglob("*.py")), ids=lambda p: str(p.relative_to(PLUGINS)))
def test_no_function_is_longer_than_a_screen(path):
    long = {name: lines for name, lines in functions(path) if lines > MAX_FUNCTION_LINES}
    assert not long, "split these functions of {0} (lines): {1}".format(path.name, long)


@pytest.mark.parametrize("path", sorted((PLUGINS / "module_utils").glob("*.py")), ids=lambda p: p.name)
def test_no_module_utils_file_is_over_400_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_UTILS_LINES, "{0} has {1} lines; split it into stages".format(path.name, lines)


def test_the_checks_see_the_plugins():
    assert len(list(PLUGINS.rglob("*.py"))) > 20
