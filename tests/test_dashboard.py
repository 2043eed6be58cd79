"""The dashboard gathers every module's card in a number of queries that does not grow with the records."""
import datetime as dt

from qms import demo
from qms.spine.access import Role


def test_dashboard_query_count_is_bounded(login_as, db, count_queries):
    from qms.drills import services as drills
    from tests.factories import UserFactory

    demo.seed_demo()
    client = login_as(Role.QUALITY)

    def count():
        client.get("/")
        return count_queries(client, "/")

    before = count()
    staff = UserFactory(role=Role.STAFF)
    scorecard = drills.latest_scorecard("counter-service")
    criteria = drills.criteria_of(scorecard)


    for n in range(6):  # failing drills of six more counters: more re-drills due, more open actions
        drills.save_drill(None, {"occurred_at": dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=20 + n),
                                 "channel": "counter", "scorecard_id": scorecard.id, "unit_observed": f"櫃台 {n}"},
                          {c.id: (0 if c.scale.value == "yes_no" else 1, "") for c in criteria}, staff)
    assert count() == before
