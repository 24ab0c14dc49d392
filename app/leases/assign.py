"""Which live bundle should hold which pair: a deterministic, balanced preference (pure).

Every bundle computes the same answer from the same inputs (the pairs, and the bundles that
beat and serve them), so no bundle races another for a pair it does not prefer. Rendezvous
hashing ranks the bundles for each pair; pairs are then placed, in the order of their own hash,
on their best-ranked bundle that still has room under ⌈pairs / bundles⌉. A bundle that leaves
moves only its own pairs; one that arrives takes about its share.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping


def _score(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x00".join(parts).encode()).digest()[:8], "big")


def preferred_holders(serving: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """pair -> the bundle that should hold it; `serving` maps each live bundle to its pairs."""
    candidates: dict[str, list[str]] = {}
    for bundle, pairs in serving.items():
        for pair in pairs:
            candidates.setdefault(pair, []).append(bundle)
    if not candidates:
        return {}
    room = math.ceil(len(candidates) / max(1, len(serving)))
    load = {bundle: 0 for bundle in serving}
    chosen: dict[str, str] = {}
    for pair in sorted(candidates, key=lambda name: (_score("pair", name), name)):
        ranked = sorted(candidates[pair], key=lambda bundle: (_score(bundle, pair), bundle), reverse=True)
        bundle = next((b for b in ranked if load[b] < room), ranked[0])
        chosen[pair] = bundle
        load[bundle] += 1
    return chosen
