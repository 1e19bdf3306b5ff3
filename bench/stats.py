"""Percentiles for the benches (one definition, nearest rank)."""

from __future__ import annotations


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; values need not be sorted."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1e3:8.1f} ms   p99 {pct(values, 0.99) * 1e3:8.1f} ms"
