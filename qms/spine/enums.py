"""Labelled enums: a stored value with the translated label users see, declared together.

    class Status(LabelledEnum):
        DRAFT = "draft", _l("Draft")
        DONE = "done", _l("Done")

`Status.DRAFT == "draft"` (it is a StrEnum, stored as its value), `Status.DRAFT.label` is the label in the
reader's language, and `Status.labels()` maps each member to its lazy label (for choices and the audit trail).
"""
from __future__ import annotations

import enum
from typing import Any


class LabelledEnum(enum.StrEnum):
    _label: Any

    def __new__(cls, value: str, label: Any = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def labels(cls) -> dict:
        """Member -> lazy label, in declaration order."""
        return {member: member._label for member in cls}

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        """(value, lazy label) pairs for a select field."""
        return [(member.value, member._label) for member in cls]
