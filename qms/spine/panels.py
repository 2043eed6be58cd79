"""Related panels: what one feature shows on another feature's record page, keyed by record type.

The page's route asks `panels_for(type name, record, user)` and passes the list to its template, which includes
each panel's template with its variables (`{% for panel in panels %}{% with v = panel.variables %}{% include
panel.template %}{% endwith %}{% endfor %}`). So the checklist item page can list the briefing's reviewer
questions without the checklist importing the briefing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Panel:
    template: str
    variables: dict = field(default_factory=dict)


PanelProvider = Callable[[Any, Any], "Panel | None"]  # (record, user) -> panel or None
_providers: dict[str, list[tuple[int, str, PanelProvider]]] = {}


def register_panel(record_type: str, name: str, provider: PanelProvider, order: int = 100) -> None:
    entries = [entry for entry in _providers.get(record_type, []) if entry[1] != name]
    entries.append((order, name, provider))
    _providers[record_type] = sorted(entries, key=lambda entry: (entry[0], entry[1]))


def panels_for(record_type: str, record, user) -> list[Panel]:
    found = []
    for _order, _name, provider in _providers.get(record_type, []):
        panel = provider(record, user)
        if panel is not None:
            found.append(panel)
    return found
