"""The crisis plans the console's incident tests run on: data, written as a plans file.

Kept apart from the simulated school's plans so the pages' tests do not change when those do. The
roll call names the example school's rooms (``examples/two-entrance-school.toml``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hil_sim.toml_out import dumps

ROLL_CALL = ["hlavni-budova/vratnice", "hlavni-budova/ucebna-1a", "hlavni-budova/sborovna"]


def _steps(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"id": i, "text": t} for i, t in pairs]


PLANS: dict[str, Any] = {
    "roll_call": ROLL_CALL,
    "contacts": [{"name": "Ředitelka školy", "number": "+420 602 123 456"}],
    "plans": [
        {
            "id": "aktivni-utocnik",
            "risk": "active-attacker",
            "title": "Aktivní útočník (uteč – schovej se – bojuj)",
            "triggers": ["panic.pressed"],
            "drill": "lockdown",
            "actions": ["lockdown"],
            "contacts": [{"name": "Policie ČR", "number": "158"}, {"name": "Tísňová linka", "number": "112"}],
            "steps": {
                "director": _steps(("volat-158", "Zavolejte policii na 158 a řekněte, kde útočník je.")),
                "porter": _steps(("zamknout-vstup", "Ověřte, že je hlavní vchod zamčený.")),
                "teacher": _steps(
                    ("zamknout-tridu", "Zamkněte třídu a zatáhněte žaluzie."),
                    ("spocitat-zaky", "Spočítejte žáky a nahlaste stav třídy."),
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
            "steps": {"teacher": _steps(("odvest-tridu", "Odveďte třídu na shromaždiště."))},
        },
        {
            "id": "uraz",
            "risk": "medical",
            "title": "Úraz nebo náhlé onemocnění",
            "contacts": [{"name": "Záchranná služba", "number": "155"}],
            "steps": {"teacher": _steps(("prvni-pomoc", "Poskytněte první pomoc."))},
        },
    ],
}


def write_plans(path: Path) -> Path:
    path.write_text(dumps(PLANS), encoding="utf-8")
    return path
