"""Detection quality on the synthetic scenes: pixel F-measure against MOG2, event precision/recall,
and people counting on the crowd scenes.

    python bench/quality.py [--width 320] [--downscale 1] [--seed 0] [--crowd-seeds 0,1,2]

Ours is scored on its mask scaled back to the input size (nearest), so a
downscale pays for its coarser edges; MOG2 runs at full size with shadows off
(shadow labelling turns dark people into shadow, see docs/vision.md).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

import cv2
import numpy as np

from edge_agent.vision import CameraEvent, Detector, DetectorConfig, Tripwire, Zone
from hil_sim.scenes import (
    CATEGORIES,
    CROWD_CATEGORIES,
    LOITER_S,
    LOITER_ZONE,
    OBJECT_LEFT_S,
    TRIPWIRE,
    EventScore,
    GroundTruthEvent,
    PixelCounts,
    Scene,
    crossing_accuracy,
    make_scene,
    match_events,
)
from hlidka_contract.events import EventType

KIND = {
    EventType.CAMERA_LINE_CROSSED: "crossed",
    EventType.CAMERA_LOITERING: "loitering",
    EventType.CAMERA_OBJECT_LEFT: "object_left",
    EventType.CAMERA_OBJECT_REMOVED: "object_removed",
    EventType.CAMERA_TAMPER: "tamper",
    EventType.CAMERA_TAMPER_RESTORED: "tamper_restored",
}
WHOLE = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


#: One drawn person's area as a fraction of the frame (an ellipse 0.09 × 0.22 of it):
#: the value a camera's installer would set, against the detector learning it.
PERSON_AREA = 3.14159 * 0.045 * 0.11


def scene_config(width: int, height: int, downscale: int = 1, person_area: float | None = None) -> DetectorConfig:
    return DetectorConfig(
        person_area=person_area,
        width=width,
        height=height,
        downscale=downscale,  # type: ignore[arg-type]
        camera="cam-entrance",
        zones=(Zone("loiter", LOITER_ZONE, loiter_s=LOITER_S), Zone("entrance", WHOLE)),
        tripwires=(Tripwire("door-line", TRIPWIRE[0], TRIPWIRE[1], "main"),),
        object_left_s=OBJECT_LEFT_S,
    )


def as_truth_form(event: CameraEvent) -> GroundTruthEvent | None:
    kind = KIND.get(event.type)
    if kind is None:
        return None
    data = event.data
    detail = str(getattr(data, "direction", "") or getattr(data, "kind", "") or getattr(data, "zone", "") or "")
    if kind in ("object_left", "object_removed"):
        detail = ""
    return GroundTruthEvent(event.t, kind, detail)


@dataclass
class Outcome:
    ours: PixelCounts = field(default_factory=PixelCounts)
    mog2: PixelCounts = field(default_factory=PixelCounts)
    events: dict[str, EventScore] = field(default_factory=dict)
    crossing_accuracy: float = 1.0
    #: Motion events started when no true foreground was in view within a second.
    false_motion: int = 0
    detected: list[GroundTruthEvent] = field(default_factory=list)


def evaluate(scene: Scene, downscale: int = 1, with_mog2: bool = True, person_area: float | None = None) -> Outcome:
    n, h, w = scene.frames.shape
    det = Detector(scene_config(w, h, downscale, person_area))
    mog2 = cv2.createBackgroundSubtractorMOG2(detectShadows=False)
    out = Outcome()
    fg_seen = np.array([(m == 1).any() for m in scene.masks])
    for i in range(n):
        t = i / scene.fps
        result = det.process(scene.frames[i], t)
        mask = result.mask if downscale == 1 else np.repeat(np.repeat(result.mask, downscale, 0), downscale, 1)
        out.ours.add(mask.astype(bool), scene.masks[i])
        if with_mog2:
            out.mog2.add(mog2.apply(scene.frames[i]) > 0, scene.masks[i])
        for e in result.events:
            if e.type == EventType.CAMERA_MOTION:
                lo, hi = max(int(i - scene.fps), 0), min(int(i + scene.fps / 2) + 1, n)
                out.false_motion += int(not fg_seen[lo:hi].any())
            if (g := as_truth_form(e)) is not None:
                out.detected.append(g)
    out.events = match_events(scene.events, out.detected)
    out.crossing_accuracy = crossing_accuracy(scene.events, out.detected)
    return out


def _crossings(events: list[GroundTruthEvent]) -> int:
    return sum(1 for e in events if e.kind == "crossed")


def counting(width: int, downscale: int, seeds: list[int]) -> None:
    """Counting accuracy per crowd category: person size learnt, and set per camera."""
    h = width * 3 // 4
    print(f"\npeople counting, crowd scenes {width}×{h}, 45 s at 10 fps, downscale {downscale}, seeds {seeds}")
    print("(accuracy = 1 - (|Δin| + |Δout|) / true crossings, summed over seeds; other = false events of other kinds)")
    head = f"{'learnt: acc':>11s} {'P/R':>11s} {'set: acc':>9s} {'P/R':>11s}"
    print(f"\n{'category':16s} {'people':>6s} {head} {'other':>6s}")
    for cat in (*CROWD_CATEGORIES, "walk_in_out"):
        cells = []
        truth = other = 0
        for person in (None, PERSON_AREA):
            err = matched = found = truth = 0
            for seed in seeds:
                scene = make_scene(cat, width, h, seed)
                o = evaluate(scene, downscale, with_mog2=False, person_area=person)
                n = _crossings(scene.events)
                truth += n
                err += round((1.0 - o.crossing_accuracy) * n)
                s = o.events.get("crossed", EventScore())
                matched, found = matched + s.matched, found + s.detected
                other += sum(v.detected - v.matched for k, v in o.events.items() if k != "crossed")
            pr = f"{matched / max(found, 1):5.3f}/{matched / max(truth, 1):5.3f}"
            cells.append(f"{1.0 - err / max(truth, 1):11.3f} {pr:>11s}")
        print(f"{cat:16s} {truth:6d} {cells[0]} {cells[1][2:]} {other:6d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--downscale", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--crowd-seeds", default="0,1,2", help="seeds of the crowd scenes, comma-separated")
    ap.add_argument("--crowd-only", action="store_true", help="only the people counting table")
    args = ap.parse_args()
    seeds = [int(v) for v in args.crowd_seeds.split(",") if v]
    if args.crowd_only:
        counting(args.width, args.downscale, seeds)
        return
    h = args.width * 3 // 4
    print(f"synthetic scenes {args.width}×{h}, 60 s at 10 fps, downscale {args.downscale}, seed {args.seed}\n")
    print(
        f"{'category':16s} {'F ours':>7s} {'F MOG2':>7s} {'P/R ours':>11s} {'FPR ours':>9s} {'FPR MOG2':>9s}"
        f" {'cross acc':>9s} {'false motion':>12s}"
    )
    totals: dict[str, EventScore] = {}
    for cat in CATEGORIES:
        o = evaluate(make_scene(cat, args.width, h, args.seed), args.downscale)
        no_truth = o.ours.tp + o.ours.fn == 0
        f_ours = "  n/a" if no_truth else f"{o.ours.f_measure:.3f}"
        f_mog = "  n/a" if no_truth else f"{o.mog2.f_measure:.3f}"
        print(
            f"{cat:16s} {f_ours:>7s} {f_mog:>7s} {o.ours.precision:5.3f}/{o.ours.recall:5.3f}"
            f" {o.ours.fp_rate:9.5f} {o.mog2.fp_rate:9.5f} {o.crossing_accuracy:9.3f} {o.false_motion:12d}"
        )
        for kind, s in o.events.items():
            t = totals.setdefault(kind, EventScore())
            t.truth, t.detected, t.matched = t.truth + s.truth, t.detected + s.detected, t.matched + s.matched
    print(f"\n{'event':16s} {'truth':>6s} {'found':>6s} {'matched':>8s} {'precision':>9s} {'recall':>7s}")
    for kind, s in sorted(totals.items()):
        print(f"{kind:16s} {s.truth:6d} {s.detected:6d} {s.matched:8d} {s.precision:9.3f} {s.recall:7.3f}")
    counting(args.width, args.downscale, seeds)


if __name__ == "__main__":
    main()
