"""The core's briefing slide: the office profile (the organization page's figures)."""
from __future__ import annotations

from qms.core.services import population_per_staff


def gather_profile(context) -> dict | None:
    organization = context.organization
    if organization is None:
        return None
    return {"organization": organization,
            "per_staff": population_per_staff(organization.population, organization.staff_count)}
