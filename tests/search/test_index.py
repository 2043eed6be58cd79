"""Keeping the index in step: the reindex and check commands, and writers in several processes at once."""
import subprocess
import sys
import textwrap

import pytest

from qms import search
from qms.archive import services
from qms.spine.access import Role
from tests.factories import UserFactory


def test_cli_reindex_and_check(runner, app):
    actor = UserFactory(role=Role.QUALITY)
    services.save_publication(None, {"title": "手冊", "abstract": "戶籍"}, actor)
    result = runner.invoke(args=["qms", "search", "check"])
    assert result.exit_code == 0 and "0 missing, 0 extra" in result.output
    search.create_empty(app)
    result = runner.invoke(args=["qms", "search", "check"])
    assert result.exit_code == 1 and "missing from the index: publication:" in result.output
    result = runner.invoke(args=["qms", "search", "reindex"])
    assert result.exit_code == 0 and "Indexed 1 records" in result.output
    assert runner.invoke(args=["qms", "search", "check"]).exit_code == 0


WORKER = textwrap.dedent("""
    import sys
    from qms import create_app
    from qms.archive import services
    from qms.auth.models import User
    from qms.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "QMS_SEARCH_INDEX": sys.argv[2],
                      "SECRET_KEY": "x", "QMS_JOBS_IMMEDIATE": True})  # each write applies the index itself
    with app.app_context():
        actor = db.session.get(User, int(sys.argv[4]))
        for i in range(int(sys.argv[5])):
            services.save_publication(None, {"title": f"worker{sys.argv[3]}-{i}",
                                             "abstract": f"並行寫入測試 worker{sys.argv[3]}"}, actor)
""")


def test_concurrent_index_updates_from_several_processes_lose_nothing(app, db):
    actor = UserFactory(role=Role.QUALITY)
    db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers, each = 4, 8
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(search.index_dir()), str(n),
                                   str(actor.id), str(each)], stderr=subprocess.PIPE)
                 for n in range(workers)]
    for process in processes:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()[-2000:]
    assert search.check() == ([], [])
    assert search.status().pending == 0
    results = search.search("並行寫入測試", access=["signed_in"], per_page=100)
    assert results.total == workers * each


@pytest.mark.whoosh_only
def test_a_killed_rebuild_leaves_nothing_behind_after_the_next_one(app, db):
    """A rebuild killed midway leaves a half-built folder beside the index; the next rebuild removes it once it is
    older than any rebuild runs (a younger one may belong to a rebuild still running)."""
    import os

    from qms.spine import clock

    target = search.index_dir()
    stale = target.with_name(f"{target.name}.new-deadbeef")
    young = target.with_name(f"{target.name}.new-cafebabe")
    for folder in (stale, young):
        folder.mkdir()
        (folder / "segment").write_bytes(b"half written")
    old = (clock.utcnow() - search.LEFTOVER_AGE).timestamp() - 60
    os.utime(stale, (old, old))
    search.reindex()
    assert not stale.exists() and young.exists() and target.exists()


@pytest.mark.whoosh_only
def test_a_rebuild_past_its_memory_bound_writes_several_segments_and_finds_everything(app, db, monkeypatch):
    actor = UserFactory(role=Role.QUALITY)
    for n in range(6):
        services.save_publication(None, {"title": f"分段{n}號手冊", "abstract": f"戶籍登記 segment{n}"}, actor)
    monkeypatch.setattr(search, "BULK_POSTINGS", 40)  # a few documents' postings per segment
    assert search.reindex() == 6  # the six publications (users are not searchable here)
    with search.open_index().searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) > 1
    access = search.user_access_terms(actor)
    for n in range(6):
        assert [hit.title for hit in search.search(f"segment{n}", access=access).hits] == [f"分段{n}號手冊"]
    assert search.check() == ([], [])


@pytest.mark.whoosh_only
def test_a_searcher_keeps_reading_after_a_merge_deletes_its_segments(app, db, monkeypatch):
    """Under load a worker's commit merged the segments a web thread's searcher had open and deleted their files;
    the searcher then read stored fields from a column it had not opened yet and the page failed (500). Every
    file a searcher reads is opened with it now."""
    actor = UserFactory(role=Role.QUALITY)
    monkeypatch.setattr(search, "BULK_POSTINGS", 40)
    for n in range(4):
        services.save_publication(None, {"title": f"合併{n}號手冊", "abstract": f"戶籍登記 merge{n}",
                                         "year": 2010 + n}, actor)
    search.reindex()
    searcher = search._searcher()  # this thread's searcher, over several segments
    before = {name for name in search.index_dir().iterdir()}
    assert len(searcher.reader().leaf_readers()) > 1
    writer = search.open_index().writer()
    writer.commit(optimize=True)  # one new segment; the old segments' files are deleted
    assert before - {name for name in search.index_dir().iterdir()}, "the merge deleted no file"
    for n in range(4):  # read through the old searcher: stored fields, lengths, facet columns
        hits = searcher.search(search.parse(f"merge{n}", searcher.schema), limit=5)
        assert [hit.fields()["title"] for hit in hits] == [f"合併{n}號手冊"]
    assert search._facet_columns(searcher).values["year"]  # the year column was read, not taken as missing
