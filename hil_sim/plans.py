"""Crisis plans for tests and for a simulated school whose site file names none: three plans, written with ``toml_out``.

The plans name the example school's rooms (``examples/two-entrance-school.toml``): the roll call is
the gatehouse, class 1.A (where the satellite node hangs) and the staff room.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .toml_out import dumps

ROLL_CALL = ["hlavni-budova/vratnice", "hlavni-budova/ucebna-1a", "hlavni-budova/sborovna"]


def _steps(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"id": i, "text": t} for i, t in pairs]


def sim_plans() -> dict[str, Any]:
    return {
        "roll_call": ROLL_CALL,
        "contacts": [{"name": "Ředitelka", "number": "+420 555 000 111"}],
        "plans": [
            {
                "id": "aktivni-utocnik",
                "risk": "active-attacker",
                "title": "Aktivní útočník: uteč, schovej se, bojuj",
                "triggers": ["panic.pressed", "duress.alarm"],
                "drill": "lockdown",
                "actions": ["lockdown"],
                "contacts": [{"name": "Policie ČR", "number": "158"}, {"name": "Tísňová linka", "number": "112"}],
                "steps": {
                    "director": _steps(("volat-158", "Zavolat policii 158 a říct, kde útočník je")),
                    "porter": _steps(("nepoustet", "Nikoho nepouštět dovnitř")),
                    "teacher": _steps(
                        ("zamknout-tridu", "Zamknout třídu, zhasnout, děti pryč od dveří a oken"),
                        ("spocitat-deti", "Spočítat děti a nahlásit třídu"),
                    ),
                },
            },
            {
                "id": "pozar",
                "risk": "fire",
                "title": "Požár a evakuace",
                "triggers": ["fire.alarm"],
                "drill": "evacuation",
                "actions": ["evacuation"],
                "contacts": [{"name": "Hasiči", "number": "150"}],
                "steps": {
                    "caretaker": _steps(("vypnout-plyn", "Vypnout plyn a elektřinu")),
                    "teacher": _steps(("vyvest-tridu", "Vyvést třídu na shromaždiště")),
                },
            },
            {
                "id": "uraz",
                "risk": "medical",
                "title": "Úraz nebo náhlé onemocnění",
                "contacts": [{"name": "Záchranná služba", "number": "155"}],
                "steps": {"teacher": _steps(("prvni-pomoc", "Poskytnout první pomoc"), ("volat-155", "Volat 155"))},
            },
        ],
    }


def write_sim_plans(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(sim_plans()), encoding="utf-8")
    return path
