"""The reminder scan over ~10,000 open obligations: the first run makes the notifications, the second none.

Run: .venv/bin/python benchmarks/bench_reminders.py [--repeat 3] [--actions 6000] [--items 4000] [--users 50]
A throwaway SQLite app with the demo data, plus (bulk-inserted) users, corrective actions and checklist items of the
current cycle with owners and due dates spread over ±60 days, read through the features' real reminder sources.
The bench users have no e-mail address, so the time is the scan's own (immediate mails are the mail package's cost,
one queued message each). Each repeat starts from an empty inbox. Goal: under 10 s for 10,000 obligations.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, func, insert, select  # noqa: E402

from qms import create_app, demo  # noqa: E402
from qms.auth.models import User  # noqa: E402
from qms.extensions import db  # noqa: E402
from qms.spine import clock, reminders  # noqa: E402

GOAL_SECONDS = 10.0
# A Wednesday morning, before the digest hour: the scan's own work, no digests.
MOMENT = dt.datetime(2026, 12, 2, 6, 0)


def bench_app(folder: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "QMS_SEARCH_INDEX": f"{folder}/search-index",
                      "QMS_FILES_DIR": folder, "QMS_JOBS_IMMEDIATE": True})
    with app.app_context():
        import flask_migrate

        from qms import search

        flask_migrate.upgrade()
        search.create_empty(app)
        demo.seed_demo(force=True)
    return app


def load(actions: int, items: int, users: int, today: dt.date) -> None:
    """Bulk-insert the users, corrective actions and checklist items (one statement per table)."""
    from qms.checklist.models import Assessment, AssessmentItem, Framework, FrameworkNode, ItemStatus
    from qms.core.models import AwardCycle
    from qms.drills.models import ActionStatus, CorrectiveAction

    rng = random.Random(18)
    now = clock.utcnow()
    db.session.execute(insert(User), [
        {"username": f"bench{n}", "display_name": f"同仁 {n}", "email": "", "password_hash": "x", "role": "staff",
         "active": True, "locale": "zh_Hant_TW", "created_at": now, "updated_at": now} for n in range(users)])
    owner_ids = list(db.session.scalars(select(User.id).where(User.username.like("bench%"))))

    def due() -> dt.date:
        return today + dt.timedelta(days=rng.randint(-60, 60))

    db.session.execute(insert(CorrectiveAction), [
        {"title": f"矯正措施 {n}", "owner_id": rng.choice(owner_ids), "due_date": due(), "status": ActionStatus.OPEN,
         "created_at": now, "updated_at": now} for n in range(actions)])
    cycle = db.session.scalar(select(AwardCycle).where(AwardCycle.is_current.is_(True)))
    framework = Framework(key="bench", version=1, name_zh="壓力測試", name_en="Bench", scale="percent",
                          total_points=items, source_text="", content_sha256="0" * 64)
    db.session.add(framework)
    db.session.flush()
    db.session.execute(insert(FrameworkNode), [
        {"framework_id": framework.id, "code": f"B{n}", "name_zh": f"項目 {n}", "name_en": f"Item {n}", "points": 1,
         "depth": 0, "position": n} for n in range(items)])
    assessment = Assessment(award_cycle_id=cycle.id, framework_id=framework.id)
    db.session.add(assessment)
    db.session.flush()
    node_ids = list(db.session.scalars(select(FrameworkNode.id).where(FrameworkNode.framework_id == framework.id)))
    db.session.execute(insert(AssessmentItem), [
        {"assessment_id": assessment.id, "node_id": node_id, "owner_id": rng.choice(owner_ids), "due_date": due(),
         "status": ItemStatus.IN_PROGRESS, "created_at": now, "updated_at": now} for node_id in node_ids])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--actions", type=int, default=6000)
    parser.add_argument("--items", type=int, default=4000)
    parser.add_argument("--users", type=int, default=50)
    options = parser.parse_args()

    from qms.notifications import services
    from qms.notifications.models import Notification

    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(folder)
        with app.app_context(), clock.frozen(MOMENT):
            load(options.actions, options.items, options.users, MOMENT.date())
            with app.test_request_context("/"):
                obligations = len(reminders.collect(MOMENT.date(), None))
            firsts, seconds, created = [], [], []
            for _run in range(options.repeat):
                db.session.execute(delete(Notification))
                db.session.commit()
                started = time.perf_counter()
                first = services.scan(clock.now())
                firsts.append(time.perf_counter() - started)
                started = time.perf_counter()
                second = services.scan(clock.now())
                seconds.append(time.perf_counter() - started)
                created.append((first.created, second.created))
                db.session.remove()
            stored = db.session.scalar(select(func.count()).select_from(Notification))
    first_median, second_median = statistics.median(firsts), statistics.median(seconds)
    print(f"open obligations: {obligations}")
    print(f"notifications created (first run, second run) per repeat: {created}; stored: {stored}")
    print(f"first scan (creates):  median {first_median:.2f} s of {[round(t, 2) for t in firsts]}")
    print(f"second scan (none new): median {second_median:.2f} s of {[round(t, 2) for t in seconds]}")
    print(f"goal < {GOAL_SECONDS:.0f} s: {'met' if max(first_median, second_median) < GOAL_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
