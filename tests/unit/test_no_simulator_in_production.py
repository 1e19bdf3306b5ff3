"""Production never imports the simulator: an import scan of every production module's syntax tree.

The simulator plugs in from outside (the ``hlidka-sim`` pin factory and the ``synthetic`` frame
source are entry points), so a school's agent and gateway run without ``hil_sim`` installed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("edge_agent", "gateway", "hlidka_contract", "hlidka_config")


def simulator_imports(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            # importlib.import_module("hil_sim...") / __import__("hil_sim...")
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        found += [f"{path}:{node.lineno} imports {n}" for n in names if n.split(".")[0] == "hil_sim"]
    return found


@pytest.mark.parametrize("package", PRODUCTION)
def test_no_production_module_imports_the_simulator(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"no modules found under {package}"
    offenders = [hit for path in modules for hit in simulator_imports(path)]
    assert offenders == []


def test_the_scan_sees_every_way_of_importing(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import hil_sim.scenes\nfrom hil_sim import frames\nimportlib.import_module('hil_sim.pins')\n")
    assert len(simulator_imports(probe)) == 3
