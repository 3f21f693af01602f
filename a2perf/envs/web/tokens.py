"""Tokeniser and the frozen vocabulary of the web domain.

Token ids are fixed: ``NULL = 0`` (padding), ``OOV = 1`` (unknown), then the sorted tokens of
``vocab.txt`` (package data). The file is derived from every text our primitives and profiles can
produce (:func:`a2perf.envs.web.primitives.all_texts`); a test checks it is still complete.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np

NULL_ID = 0
OOV_ID = 1
TOKENS_PER_ATTRIBUTE = 10

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str | None) -> list[str]:
    """Split one attribute into tokens.

    Lower-cases, turns ``.`` into a space, then keeps runs of word characters (``name_first``
    stays one token) and single punctuation characters (``form-control`` -> form, -, control).

    Args:
      text: attribute text; ``None``, ``""`` and ``"None"`` give no tokens.
    Returns:
      The tokens, in order.
    """
    if text is None or text == "" or text == "None":
        return []
    return _TOKEN_RE.findall(text.lower().replace(".", " "))


@lru_cache(maxsize=1)
def vocabulary_tokens() -> tuple[str, ...]:
    """The frozen token list from ``vocab.txt`` (without NULL/OOV)."""
    text = resources.files("a2perf.envs.web").joinpath("vocab.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


class Vocabulary:
    """Frozen token -> id map with ``NULL = 0`` and ``OOV = 1``.

    Args:
      tokens: the vocabulary tokens (default: package ``vocab.txt``).
    """

    def __init__(self, tokens: tuple[str, ...] | None = None) -> None:
        toks = vocabulary_tokens() if tokens is None else tokens
        self.ids: dict[str, int] = {tok: i + 2 for i, tok in enumerate(toks)}
        self.size = len(self.ids) + 2
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, text: str | None) -> np.ndarray:
        """Token ids of one attribute, NULL-padded.

        Returns:
          shape (10,) int32; cached per text (treat as read-only).
        """
        key = "" if text is None else text
        row = self._cache.get(key)
        if row is None:
            row = np.zeros(TOKENS_PER_ATTRIBUTE, dtype=np.int32)
            ids = [self.ids.get(tok, OOV_ID) for tok in tokenize(key)][:TOKENS_PER_ATTRIBUTE]
            row[: len(ids)] = ids
            if len(self._cache) < 100_000:
                self._cache[key] = row
        return row
