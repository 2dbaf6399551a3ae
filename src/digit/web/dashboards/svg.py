"""Charts as inline SVG, computed here so the templates only place them: bars, lines, horizontal bars."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, PAD = 640, 220, 28
COLOURS = ("#0b4f8a", "#d0611e", "#2e8540", "#8a0b6e", "#6b6b6b")


@dataclass(frozen=True)
class LineChart:
    """Series of points in SVG coordinates (y grows downwards), with the axis labels to print."""

    series: list[dict[str, Any]]
    labels: list[tuple[float, str]]
    top: str
    width: int = WIDTH
    height: int = HEIGHT


def line_chart(data: Sequence[dict[str, Any]]) -> LineChart:
    names = [p["name"] for p in data[0]["plots"]] if data else []
    peak = max((p["value"] or 0 for d in data for p in d["plots"]), default=0) or 1
    step = (WIDTH - 2 * PAD) / max(len(names) - 1, 1)
    series = []
    for index, item in enumerate(data):
        points = [
            (PAD + i * step, HEIGHT - PAD - (p["value"] or 0) / peak * (HEIGHT - 2 * PAD))
            for i, p in enumerate(item["plots"])
        ]
        series.append(
            {
                "name": item["headerName"],
                "colour": COLOURS[index % len(COLOURS)],
                "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
            }
        )
    every = max(len(names) // 6, 1)
    labels = [(PAD + i * step, name) for i, name in enumerate(names) if i % every == 0]
    return LineChart(series=series, labels=labels, top=f"{peak:g}")


def bars(plots: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Horizontal bars: each plot's share of the largest, in percent of the row's width."""
    peak = max((p["value"] or 0 for p in plots), default=0) or 1
    return [
        {"name": p["name"], "value": p["value"] or 0, "width": round((p["value"] or 0) / peak * 100, 1)} for p in plots
    ]
