"""Inline SVG charts: no chart library, no build step, nothing for the CSP to allow."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#b58840", "#28a197", "#912b88", "#505a5f"]


def line_chart(
    series: dict[str, dict[str, float]], *, width: int = 640, height: int = 220, unit: str = "days"
) -> Markup:
    """series: x label (e.g. '2025-04') -> line name -> value. One polyline per name, a legend under it."""
    xs = sorted(series)
    names = sorted({n for point in series.values() for n in point})
    if not xs or not names:
        return Markup('<p class="muted">No stage has been completed yet.</p>')
    top = max(v for point in series.values() for v in point.values()) or 1.0
    left, right, y0, y1 = 40, width - 10, height - 30, 10

    def x(i: int) -> float:
        return left + (right - left) * (i / max(1, len(xs) - 1))

    def y(v: float) -> float:
        return y0 - (y0 - y1) * v / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 20 * ((len(names) + 3) // 4)}" role="img" '
        f'aria-label="Mean {unit} per stage by month" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{y0}" x2="{right}" y2="{y0}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{y1 + 4}" text-anchor="end" font-size="10">{top:.1f}</text>',
        f'<text x="{left - 4}" y="{y0}" text-anchor="end" font-size="10">0</text>',
    ]
    for i, label in enumerate(xs):
        parts.append(
            f'<text x="{x(i):.1f}" y="{y0 + 14}" text-anchor="middle" font-size="10">{escape(label)}</text>'
        )
    for n, name in enumerate(names):
        colour = PALETTE[n % len(PALETTE)]
        points = [(x(i), y(series[label][name])) for i, label in enumerate(xs) if name in series[label]]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        lx, ly = 10 + (n % 4) * 150, height + 6 + 20 * (n // 4)
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 14}" y="{ly}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
