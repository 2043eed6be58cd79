"""Scoring scales: which scores an item may take under each framework's scale, and how they read."""
from qms.checklist.models import Scale

BALDRIGE_BANDS = ((0, 5), (10, 25), (30, 45), (50, 65), (70, 85), (90, 100))
STEPS = {Scale.PERCENT: 5, Scale.BALDRIGE: 5, Scale.EFQM: 10}
SCALE_LABELS = Scale.labels()


def allowed_scores(scale: Scale) -> list[int]:
    return list(range(0, 101, STEPS[Scale(scale)]))


def band_of(score: int) -> tuple[int, int] | None:
    for low, high in BALDRIGE_BANDS:
        if low <= score <= high:
            return low, high
    return None


def score_label(scale: Scale, score: int) -> str:
    if Scale(scale) == Scale.BALDRIGE:
        low, high = band_of(score)
        return f"{score} % ({low}–{high} %)"
    return f"{score} %"


def score_choices(scale: Scale) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(score), score_label(scale, score)) for score in allowed_scores(scale)]
