"""Deterministic randomness for the demo: hash-based noise and exact integer apportioning.

Every random draw is a pure function of the seed and a few names (year, region, indicator,
...), never of call order, so any part of the demo (one year, one form, one workbook) can be
regenerated on its own and comes out identical.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def _digest(seed: int, parts: tuple[object, ...]) -> int:
    text = repr((seed, *parts)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def unit(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) fixed by the seed and the parts."""
    return _digest(seed, parts) / 2**64


def jitter(seed: int, *parts: object, scale: float) -> float:
    """A factor in [1 - scale, 1 + scale] fixed by the seed and the parts."""
    return 1.0 + scale * (2.0 * unit(seed, *parts) - 1.0)


def rng(seed: int, *parts: object) -> random.Random:
    """A private random stream for one place (a sheet, a workbook)."""
    return random.Random(_digest(seed, parts))


def apportion(total: int, weights: Mapping[K, float]) -> dict[K, int]:
    """Split ``total`` into integers proportional to ``weights`` that sum to ``total`` exactly.

    Largest-remainder method; ties are broken by the order of ``weights``.
    """
    if total < 0:
        raise ValueError(f"cannot apportion a negative total {total}")
    keys = list(weights)
    mass = sum(weights.values())
    if not keys or mass <= 0:
        raise ValueError("apportion needs positive weights")
    raw = {k: total * weights[k] / mass for k in keys}
    out = {k: math.floor(raw[k]) for k in keys}
    rest = total - sum(out.values())
    order = sorted(range(len(keys)), key=lambda i: (-(raw[keys[i]] - out[keys[i]]), i))
    for i in order[:rest]:
        out[keys[i]] += 1
    return out


def split(total: int, share: float) -> tuple[int, int]:
    """``total`` as (part, rest) with part ≈ share × total, both ≥ 0."""
    part = min(total, max(0, round(total * share)))
    return part, total - part


def percent(numerator: int, denominator: int, decimals: int = 1) -> float:
    """numerator / denominator × 100, rounded half up to ``decimals`` places as a ministry rounds."""
    scale = 10**decimals
    scaled = (2 * numerator * 100 * scale + denominator) // (2 * denominator)
    return scaled / scale
