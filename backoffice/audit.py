"""The change messages of the admin history: which fields changed, from what to what."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django import forms

_MAX_VALUE = 120
NEVER_SHOWN = frozenset({"password"})


def form_change_message(form: forms.BaseForm) -> str:
    """`Changed Name: "Ann" → "Anna"; Group: customer → vip.` (secrets are never shown)."""
    parts = []
    for name in form.changed_data:
        label = str(form[name].label)
        if name in NEVER_SHOWN:
            parts.append(f"{label} (not shown)")
            continue
        before = shown(form.initial.get(name, form.fields[name].initial))
        after = shown(form.cleaned_data.get(name))
        parts.append(f"{label}: {before} → {after}")
    return changed(parts)


def changed(parts: Iterable[str]) -> str:
    listed = "; ".join(parts)
    return f"Changed {listed}." if listed else "No fields changed."


def shown(value: Any) -> str:
    if value is None or value == "" or value == {} or value == []:
        return "(empty)"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = json.dumps(str(value), ensure_ascii=False)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"
