"""Writing a plans file from data, laid out as people write one ([[plans]] tables, steps per role).

Tests build plans files from data with this, never by editing TOML text, so a test says which
value is wrong and the file around it stays valid TOML.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

EXAMPLE_PLANS = Path(__file__).resolve().parents[1] / "examples" / "crisis-plans.toml"
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def example_plans() -> dict[str, Any]:
    """The shipped default plans as data, to change one value at a time."""
    return tomllib.loads(EXAMPLE_PLANS.read_text(encoding="utf-8"))


def key(name: str) -> str:
    return name if _BARE.match(name) else json.dumps(name, ensure_ascii=False)


def inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if value == value else "nan"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key(k)} = {inline(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"no TOML for {type(value).__name__}")


def dump(data: dict[str, Any]) -> str:
    """TOML text for ``data``; a list of tables under ``plans`` becomes [[plans]] with a [plans.steps] table."""
    lines = [f"{key(k)} = {inline(v)}" for k, v in data.items() if k != "plans"]
    plans = data.get("plans")
    if not isinstance(plans, list) or not all(isinstance(p, dict) for p in plans):
        if "plans" in data:
            lines.append(f"plans = {inline(plans)}")
        return "\n".join(lines) + "\n"
    for plan in plans:
        lines += ["", "[[plans]]"]
        lines += [f"{key(k)} = {inline(v)}" for k, v in plan.items() if k != "steps"]
        steps = plan.get("steps")
        if isinstance(steps, dict):
            lines.append("[plans.steps]")
            for role, items in steps.items():
                if isinstance(items, list):
                    lines.append(f"{key(role)} = [")
                    lines += [f"  {inline(item)}," for item in items]
                    lines.append("]")
                else:
                    lines.append(f"{key(role)} = {inline(items)}")
        elif "steps" in plan:
            lines.append(f"steps = {inline(steps)}")
    return "\n".join(lines) + "\n"
