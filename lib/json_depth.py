"""How deeply a JSON text nests, found without parsing it (no Django here).

Python's json parser recurses once per level: a body of a few thousand `[` exhausts the stack
(RecursionError, an error page) before any validation could refuse it. Counting brackets
outside strings first costs one regular-expression pass over the text.
"""

from __future__ import annotations

import re

# A whole string literal (its brackets do not count), or one bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def exceeds_depth(text: str, max_depth: int) -> bool:
    """Whether arrays and objects in `text` nest deeper than `max_depth` levels.

    Stops at the first level too deep. Malformed text is answered as well as it can be: the
    parser that runs next reports what is wrong with it.
    """
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif token in "]}":
            depth -= 1
    return False
