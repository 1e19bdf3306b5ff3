"""What the agent's shell loads before it knows its config: nothing heavy that only some agents use.

Numba and PyAV come with a camera, Pillow with the first snapshot, prometheus_client with a metrics port;
OpenCV and SciPy never (a fresh interpreter, so other tests' imports do not count).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LATER = ("numba", "llvmlite", "av", "PIL", "prometheus_client", "cv2", "scipy")


def test_importing_the_agent_loads_no_module_only_some_agents_use() -> None:
    code = f"import sys, json, edge_agent.app; print(json.dumps([m for m in {LATER!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_a_snapshot_still_encodes_with_pillow_loaded_on_first_use() -> None:
    code = (
        "import sys, numpy as np\n"
        "from edge_agent.snapshots.images import to_jpeg\n"
        "assert 'PIL' not in sys.modules\n"
        "jpeg, w, h = to_jpeg(np.zeros((48, 64, 3), np.uint8), [], 640, 80)\n"
        "print(jpeg[:2].hex(), w, h, 'PIL' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["ffd8", "64", "48", "True"]
