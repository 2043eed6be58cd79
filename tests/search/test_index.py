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


def _all_postings(path) -> dict:
    """Every term of every field of an index: its postings (document, weight, value) and its statistics."""
    from whoosh import index

    found = {}
    with index.open_dir(str(path)).reader() as reader:
        for fieldname, btext in reader.all_terms():
            matcher = reader.postings(fieldname, btext)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            info = reader.term_info(fieldname, btext)
            found[(fieldname, btext)] = (postings, info.weight(), info.doc_frequency(), info.min_length(),
                                         info.max_length(), info.max_weight(), info.min_id(), info.max_id())
    return found


@pytest.mark.whoosh_only
def test_a_rebuild_writes_the_postings_whooshs_own_writer_writes(app, tmp_path, monkeypatch):
    """A rebuild fills the codec's blocks a term at a time (_add_postings); Whoosh's writer adds one posting at a
    time. Over several blocks a term (300 documents: blocks of 128), inline terms, empty lengths and varied
    weights, both indexes hold the same postings and statistics, and the block filler was used."""
    import random

    rng = random.Random(7)
    words = ["戶籍", "門牌", "印鑑", "登記", "身分證", "village", "counter", "queue", "survey", "手冊"]
    documents = []
    for n in range(300):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
        title = f"第{n}號" + rng.choice(words)
        content = "\n".join((body, title, title))
        documents.append({"key": f"publication:{n}", "record": f"publication:{n}", "type": "publication",
                          "title": title, "content": content, "body_end": len(body), "author": "",
                          "keyword": rng.choice(words) if n % 3 else "", "keywords": "", "kind": "handbook",
                          "access": "signed_in quality", "spell": "", "year": 2000 + n % 20})
    bulk = search._create(tmp_path / "bulk")
    writer = search._bulk_writer(bulk)
    calls = []
    original = search._fills_blocks

    def fills_blocks(postwriter):
        calls.append(original(postwriter))
        return calls[-1]

    monkeypatch.setattr(search, "_fills_blocks", fills_blocks)
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    assert calls and all(calls), "the codec's postings writer changed: the block filler fell back"
    plain = search._create(tmp_path / "plain")
    writer = plain.writer()
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    bulk_postings, plain_postings = _all_postings(tmp_path / "bulk"), _all_postings(tmp_path / "plain")
    assert bulk_postings == plain_postings
    assert max(len(postings) for postings, *_ in bulk_postings.values()) > 256  # three blocks and more


@pytest.mark.whoosh_only
def test_a_parallel_rebuild_writes_segments_in_worker_processes_and_finds_everything(app, db, runner):
    actor = UserFactory(role=Role.QUALITY)
    for n in range(6):
        services.save_publication(None, {"title": f"平行{n}號手冊", "abstract": f"戶籍登記 parallel{n}",
                                         "public": n % 2 == 0}, actor)
    access = search.user_access_terms(actor)
    folders = set(search.index_dir().parent.iterdir())
    single = search.reindex()
    expected = [(hit.key, hit.title) for hit in search.search("戶籍登記", access=access, per_page=20).hits]
    result = runner.invoke(args=["qms", "search", "reindex", "--procs", "2"])
    assert result.exit_code == 0 and f"Indexed {single} records" in result.output
    with search.open_index().searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) == 2  # 9 documents (3 public variants), one segment per worker
        assert searcher.doc_count() == 9
    assert [(hit.key, hit.title) for hit in search.search("戶籍登記", access=access, per_page=20).hits] == expected
    for n in range(6):
        assert [hit.title for hit in search.search(f"parallel{n}", access=access).hits] == [f"平行{n}號手冊"]
    assert [hit.title for hit in search.search("parallel4", access=["public", "visitor"]).hits] == ["平行4號手冊"]
    assert search.check() == ([], [])
    assert set(search.index_dir().parent.iterdir()) == folders  # the new index swapped in, nothing left beside it


@pytest.mark.whoosh_only
@pytest.mark.parametrize("mode", ["index", "query"])
def test_occurrence_values_hold_every_occurrence_of_each_term_in_text_order(app, mode):
    """The content field's postings are cut from one array per text: each term (in first occurrence order) gets
    its own (position, start, length) rows, as a loop over analyse() gathers them; sub-words only at index
    time. Occurrences (the older format) keeps the end instead of the length."""
    import numpy as np

    text = "戶籍登記與戶籍謄本 the queue and the queues 戶籍登記 counter"
    expected: dict[str, list[int]] = {}
    for term, position, start, end, sub in search.analyse(text):
        if not (sub and mode == "query"):
            expected.setdefault(term, []).extend((position, start, end))
    assert any(len(flat) > 3 for flat in expected.values())  # a term met more than once
    for format_, lengths in ((search.Spans(), True), (search.Occurrences(), False)):
        found = list(format_.word_values(text, search.WordTokenizer(), mode=mode))
        assert [term for term, *_ in found] == list(expected)
        for term, frequency, weight, value in found:
            rows = np.frombuffer(value, dtype="<u4").reshape(-1, 3).tolist()
            occurrences = [list(row) for row in zip(expected[term][0::3], expected[term][1::3], expected[term][2::3],
                                                    strict=True)]
            assert rows == [[p, s, e - s if lengths else e] for p, s, e in occurrences]
            assert frequency == len(occurrences) and weight == frequency * format_.field_boost
            assert format_.triples(value).tolist() == occurrences
    assert list(search.Spans().word_values("。", search.WordTokenizer(), mode=mode)) == []
