"""The package's code stays readable: no function longer than a screen.

A function over 80 lines holds several concepts; split it into named steps
(``BaseDANN._validate_training_data`` and its per-mode resolvers show how).
"""
import ast
from pathlib import Path

import sk_dann

MAX_FUNCTION_LINES = 80
PACKAGE = Path(sk_dann.__file__).parent


def _functions(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def test_every_package_module_is_walked():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert PACKAGE / "base.py" in modules and PACKAGE / "cli.py" in modules
    assert any(True for path in modules for _ in _functions(path))


def test_no_function_in_the_package_is_longer_than_80_lines():
    too_long = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} "
        f"({node.end_lineno - node.lineno + 1} lines)"
        for path in sorted(PACKAGE.rglob("*.py")) for node in _functions(path)
        if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not too_long, "split these into named steps:\n" + "\n".join(too_long)
