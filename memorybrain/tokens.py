"""Token counting.

tiktoken cannot fetch its encodings offline, and packs go to many different models, so we
count the way the quality suite does: one token per four characters, rounded up. For
English prose and Python this is close to (usually slightly above) what GPT and Claude
tokenizers report, so a pack that fits by this count fits in practice; it is the same rule
for every system measured, so comparisons stay fair.
"""

from __future__ import annotations

CHARS_PER_TOKEN = 4
METHOD = "characters/4 (rounded up)"


def count_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN
