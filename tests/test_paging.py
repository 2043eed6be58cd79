"""Lists are paged and the dashboard counts in SQL: a page's query count and size do not grow with the rows."""
import re

import pytest
from sqlalchemy import func, insert, select

from qms import demo
from qms.extensions import db


def clone_rows(model, count: int, vary=(), **fixed) -> list[int]:
    """`count` copies of the model's first row, string columns in `vary` suffixed with the copy's number; returns
    the new ids."""
    table = model.__table__
    base = dict(db.session.execute(select(table).limit(1)).mappings().one())
    base.pop("id")
    first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
    rows = [{**base, **fixed, "id": first + n, **{name: f"{base[name]} {first + n}" for name in vary}}
            for n in range(count)]
    db.session.execute(insert(table), rows)
    db.session.commit()
    return [row["id"] for row in rows]


@pytest.fixture
def seeded(app):
    demo.seed_demo()
    return app


def _more_drills(n):
    from qms.drills.models import Drill
    clone_rows(Drill, n, vary=("unit_observed",))


def _more_actions(n):
    from qms.drills.models import CorrectiveAction
    clone_rows(CorrectiveAction, n, vary=("title",))


def _more_initiatives(n):
    from qms.initiatives.models import Initiative
    clone_rows(Initiative, n, vary=("title_zh",))


def _more_peers(n):
    from qms.benchmarking.models import PeerOrganization
    clone_rows(PeerOrganization, n, vary=("name_zh",), is_self=False)


def _more_notes(n):
    from qms.benchmarking.models import BenchmarkNote
    clone_rows(BenchmarkNote, n, vary=("title",))


def _more_cases(n):
    from qms.surveys.models import FollowUpCase, Vote
    db.session.add_all(FollowUpCase(vote=Vote(satisfied=False, reason=f"等太久 {k}")) for k in range(n))
    db.session.commit()


def _more_users(n):
    from qms.auth.models import User
    clone_rows(User, n, vary=("username", "display_name"))


# (path, link to one listed record, add n rows)
LISTS = [
    ("/drills/", r'href="/drills/(\d+)"', _more_drills),
    ("/drills/actions?status=all", r'href="/drills/actions/(\d+)"', _more_actions),
    ("/initiatives/", r'href="/initiatives/(\d+)"', _more_initiatives),
    ("/benchmarking/peers", r'href="/benchmarking/peers/(\d+)"', _more_peers),
    ("/benchmarking/notes", r'href="/benchmarking/notes/(\d+)"', _more_notes),
    ("/surveys/cases?all=1", r'href="/surveys/cases/(\d+)"', _more_cases),
    ("/users", r'href="/users/(\d+)/edit"', _more_users),
]


def listed(client, path, pattern) -> set[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return set(re.findall(pattern, response.get_data(as_text=True)))


@pytest.mark.parametrize("path, pattern, add", LISTS, ids=[entry[0] for entry in LISTS])
def test_a_list_is_paged_and_its_queries_do_not_grow(seeded, login_as, count_queries, path, pattern, add):
    from qms.spine.access import Role

    client = login_as(Role.ADMIN)
    add(3)
    few = count_queries(client, path)
    add(120)
    many = count_queries(client, path)
    assert many <= few
    first = listed(client, path, pattern)
    assert 1 <= len(first) <= 50
    separator = "&" if "?" in path else "?"
    second = listed(client, f"{path}{separator}page=2", pattern)
    assert second and not first & second
    page = client.get(f"{path}{separator}page=2").get_data(as_text=True)
    assert 'aria-label="' in page and 'aria-current="page"' in page


def test_the_dashboard_counts_in_sql(seeded, login_as, count_queries):
    from qms.spine.access import Role

    client = login_as(Role.ADMIN)
    few = count_queries(client, "/")
    for add in (_more_drills, _more_actions, _more_initiatives, _more_cases, _more_users):
        add(200)
    with count_queries.block() as statements:
        response = client.get("/")
    assert response.status_code == 200
    assert len(statements) <= few
