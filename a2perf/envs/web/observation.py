"""Observation arrays (the original gMiniWoB keys and shapes) from a :class:`RawObs`.

Keys and shapes (F = 25 profile fields, E = 250 elements, T = 10 tokens):

| key | shape | dtype | content |
|---|---|---|---|
| profile_key / profile_value | (F, T) | int32 | token ids of each field name / value (``_dummy`` first) |
| profile_key_mask / profile_value_mask | (F, T) | float32 | 1 where a token is present |
| dom_elements | (E, 5, T) | int32 | per element: tag, value, text, placeholder, classes |
| dom_attribute_mask | (E, 5, T) | float32 | token mask |
| dom_elements_mask | (E,) | float32 | 1 for real elements (document order) |
| dom_profile_joint_mask | (F, E) | float32 | 1 for the valid (field, element) pairs |
| dom_features | (E, 8) | float32 | focused, tampered, is_new, is_div, left/W, top/H, width/W, height/H in [0, 1] |
| time_step | (1,) | float32 | steps taken / step limit |

W, H are the width and height of the current page in px. "focused" marks the element acted on last.
"""

from __future__ import annotations

import numpy as np

from a2perf.envs.web.site import MAX_ELEMENTS, MAX_FIELDS, RawObs
from a2perf.envs.web.tokens import TOKENS_PER_ATTRIBUTE, Vocabulary

NUM_ATTRIBUTES = 5
NUM_FEATURES = 8


def observation_shapes() -> dict[str, tuple[tuple[int, ...], type]]:
    """Key -> (shape, dtype) of every observation array."""
    f, e, t = MAX_FIELDS, MAX_ELEMENTS, TOKENS_PER_ATTRIBUTE
    return {
        "profile_key": ((f, t), np.int32),
        "profile_value": ((f, t), np.int32),
        "profile_key_mask": ((f, t), np.float32),
        "profile_value_mask": ((f, t), np.float32),
        "dom_elements": ((e, NUM_ATTRIBUTES, t), np.int32),
        "dom_attribute_mask": ((e, NUM_ATTRIBUTES, t), np.float32),
        "dom_elements_mask": ((e,), np.float32),
        "dom_profile_joint_mask": ((f, e), np.float32),
        "dom_features": ((e, NUM_FEATURES), np.float32),
        "time_step": ((1,), np.float32),
    }


class ObservationBuilder:
    """Turns profiles and raw page states into observation dicts (token rows are cached)."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self._rows: dict[tuple[str, str, str, str, str], np.ndarray] = {}
        self._profile: dict[str, np.ndarray] = {}
        self._n_fields = 0

    def set_profile(self, keys: list[str], values: list[str | None]) -> None:
        """Encode the episode's profile (field order as given)."""
        pk = np.zeros((MAX_FIELDS, TOKENS_PER_ATTRIBUTE), dtype=np.int32)
        pv = np.zeros_like(pk)
        for i, (k, v) in enumerate(zip(keys, values, strict=True)):
            pk[i] = self.vocab.encode(k)
            pv[i] = self.vocab.encode(v)
        self._n_fields = len(keys)
        self._profile = {
            "profile_key": pk,
            "profile_value": pv,
            "profile_key_mask": (pk != 0).astype(np.float32),
            "profile_value_mask": (pv != 0).astype(np.float32),
        }

    def _row(self, key: tuple[str, str, str, str, str]) -> np.ndarray:
        row = self._rows.get(key)
        if row is None:
            row = np.stack([self.vocab.encode(a) for a in key])
            if len(self._rows) < 200_000:
                self._rows[key] = row
        return row

    def build(
        self, raw: RawObs, prev_ids: set[str] | frozenset, time_fraction: float
    ) -> dict[str, np.ndarray]:
        """Observation dict for the current page.

        Args:
          raw: current page state.
          prev_ids: element ids shown in the previous observation (for ``is_new``).
          time_fraction: steps taken / step limit.
        """
        n = min(len(raw.ids), MAX_ELEMENTS)
        dom = np.zeros((MAX_ELEMENTS, NUM_ATTRIBUTES, TOKENS_PER_ATTRIBUTE), dtype=np.int32)
        if n:
            dom[:n] = np.stack(
                [
                    self._row((raw.tags[i], raw.values[i], raw.texts[i], raw.placeholders[i], raw.classes[i]))
                    for i in range(n)
                ]
            )
        feats = np.zeros((MAX_ELEMENTS, NUM_FEATURES), dtype=np.float32)
        if 0 <= raw.focused < n:
            feats[raw.focused, 0] = 1.0
        feats[:n, 1] = raw.visited[:n]
        feats[:n, 2] = [i not in prev_ids for i in raw.ids[:n]]
        feats[:n, 3] = [t == "div" for t in raw.tags[:n]]
        w, h = raw.size
        feats[:n, 4:8] = raw.rects[:n] / np.array([w, h, w, h], dtype=np.float32)
        np.clip(feats, 0.0, 1.0, out=feats)
        el_mask = np.zeros(MAX_ELEMENTS, dtype=np.float32)
        el_mask[:n] = 1.0
        joint = np.zeros((MAX_FIELDS, MAX_ELEMENTS), dtype=np.float32)
        joint[: self._n_fields, :n] = 1.0
        return {
            **{k: v.copy() for k, v in self._profile.items()},
            "dom_elements": dom,
            "dom_attribute_mask": (dom != 0).astype(np.float32),
            "dom_elements_mask": el_mask,
            "dom_profile_joint_mask": joint,
            "dom_features": feats,
            "time_step": np.array([min(1.0, time_fraction)], dtype=np.float32),
        }
