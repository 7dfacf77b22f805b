"""Hypothesis strategies for configuration files: arbitrary JSON, and mutations of a valid one.

Random JSON alone rarely gets past a schema's first check; mutating a valid document (replace,
delete or add one node at a time) reaches the code that runs after validation too.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

# Path-like and config-like characters, plus the ones that break naive code.
ODD_TEXT = st.text(
    alphabet=st.sampled_from([*"/abAB.%2eE;\\:-_ {}$*?#\"'", "\x00", "\u00e9", "\ud800"]),
    max_size=12,
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=16)
    | ODD_TEXT
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8) | ODD_TEXT, children, max_size=4)
    ),
    max_leaves=16,
)


def _slots(node: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) in a document, the root's parent included as (None, None)."""
    if isinstance(node, dict):
        for key, child in node.items():
            found.append((node, key))
            _slots(child, found)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.append((node, index))
            _slots(child, found)
    return found


@st.composite
def mutations_of(draw: st.DrawFn, base: Any, *, keys: st.SearchStrategy[str] = ODD_TEXT) -> Any:
    """`base` with one to three nodes replaced, deleted, or added."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        slots = _slots(document, [])
        if not slots:
            return draw(JSON_VALUES)
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(("replace", "delete", "add")))
        if action == "replace":
            container[key] = draw(JSON_VALUES)
        elif action == "delete":
            del container[key]
        elif isinstance(container, dict):
            container[draw(keys)] = draw(JSON_VALUES)
        else:
            container.append(draw(JSON_VALUES))
    return document


# Byte-level trouble for the readers: not UTF-8, a BOM, too deep, too long a number, NaN.
HOSTILE_BYTES = {
    "empty": b"",
    "not-utf8": b'{"a": "\xff\xfe"}',
    "utf8-bom": b'\xef\xbb\xbf{"/": {}}',
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep-objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "huge-integer": b'{"/": ' + b"9" * 5000 + b"}",
    "nan": b'{"/": NaN}',
    "lone-surrogate": b'{"/\\ud800": {}}',
    "nul": b'{"/\\u0000": {}}',
    "truncated": b'{"/": {"GET": ',
    "a-list": b"[]",
    "a-string": b'"x"',
    "duplicate-keys": b'{"/": {}, "/": 1}',
}


def encode(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8", "surrogatepass")
