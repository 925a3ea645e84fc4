"""Disclosure control uses HiGHS through highspy's public API only, and its solvers print nothing.

``quiet_highs`` silences ``highspy.Highs`` in ``enableCallbacks``, which the constructor calls before HiGHS would print
its banner on standard output (the command line's problem channel): if a highspy release changes that, the banner test
fails here rather than as stray lines in a build's output.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import highspy
import numpy as np

from yearbook.disclosure.verify import TableLP, quiet_highs

DISCLOSURE = Path(__file__).resolve().parents[1] / "yearbook" / "disclosure"


def test_a_quiet_solver_prints_nothing_from_its_set_up_to_its_answer() -> None:
    """In a fresh process: HiGHS prints its banner once per process, at the first instance that is not silenced."""
    script = (
        "import numpy as np\n"
        "from yearbook.disclosure.verify import TableLP\n"
        "lp = TableLP({(0, 0): 1.0, (1, 0): 1.0}, 2, np.array([5.0]), np.array([5.0]))\n"
        "assert lp.minimum(np.array([-1.0, 0.0]))[0] == -5.0\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_a_quiet_solver_is_a_public_highs_with_output_off_and_one_thread() -> None:
    solver = quiet_highs()
    assert isinstance(solver, highspy.Highs)
    options = solver.getOptions()
    assert (options.output_flag, options.threads) == (False, 1)
    lp = TableLP({(0, 0): 1.0, (1, 0): -1.0}, 2, np.array([0.0]), np.array([0.0]))  # x0 = x1, both >= 0: max unbounded
    assert lp.minimum(np.array([-1.0, 0.0])) == (-float("inf"), None)


def test_disclosure_control_imports_no_private_highspy_name() -> None:
    """No ``highspy._core``, ``_Highs`` or other name of highspy's that begins with an underscore."""
    private = []
    for path in sorted(DISCLOSURE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("highspy"):
                private += [f"{path.name}: from {node.module} import {a.name}" for a in node.names if a.name.startswith("_")]
                if "._" in f".{node.module}":
                    private.append(f"{path.name}: from {node.module}")
            elif isinstance(node, ast.Import):
                private += [f"{path.name}: import {a.name}" for a in node.names if a.name.startswith("highspy._")]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "highspy":
                if node.attr.startswith("_"):
                    private.append(f"{path.name}:{node.lineno}: highspy.{node.attr}")
    assert not private
