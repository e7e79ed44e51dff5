"""Pictures served by the showcase itself, so the page needs no outside host: a placeholder per category for a
listing without images, a small generated SVG (the local demo draws its product pictures the same way:
deploy/local/demo_showcase.py)."""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

PALETTE = ["#7a4b2a", "#2f6b3a", "#1f5a7a", "#8a2d3b", "#6b5a1f", "#4b3a7a", "#2a6b6b", "#7a3a1f"]


def picture(label: str, seed: str, width: int = 640, height: int = 480) -> bytes:
    """A flat illustration: a coloured ground with a few shapes drawn from `seed`, and `label` as text."""
    digest = hashlib.sha256(seed.encode()).digest()
    ground, shape = PALETTE[digest[0] % len(PALETTE)], PALETTE[digest[1] % len(PALETTE)]
    circles = "".join(
        f'<circle cx="{digest[2 + i] * width // 256}" cy="{digest[6 + i] * height // 256}" '
        f'r="{40 + digest[10 + i] % 90}" fill="{shape}" opacity=".55"/>' for i in range(4))
    text = escape(label[:40])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label[:80], {chr(34): "&quot;"})}">'
            f'<rect width="100%" height="100%" fill="{ground}"/>{circles}'
            f'<text x="50%" y="88%" text-anchor="middle" font-family="sans-serif" font-size="30" fill="#fff">'
            f'{text}</text></svg>').encode()
