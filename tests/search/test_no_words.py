"""A search without words shows guidance, and no heading stands over facets that are not there."""
from qms.archive import services
from qms.spine.access import Role
from tests.factories import UserFactory

NARROW = "Narrow the results"


def test_the_search_page_without_words_shows_how_to_search(login_as):
    client = login_as(Role.STAFF, locale="en")
    for path in ("/search/", "/search/?q=", "/search/?q=+++", "/search/?type=publication"):
        body = client.get(path).get_data(as_text=True)
        assert "How to search" in body and "year:2014-2015" in body, path
        assert NARROW not in body, path


def test_no_facet_heading_over_no_facets(login_as):
    client = login_as(Role.STAFF, locale="en")
    body = client.get("/search/?q=nothingmatchesthis").get_data(as_text=True)
    assert "0 results" in body and NARROW not in body
    archive = client.get("/archive/").get_data(as_text=True)  # an empty archive, no words
    assert NARROW not in archive and "Nothing to list yet." in archive
    assert "Try fewer or other words" not in archive


def test_the_archive_without_words_lists_what_it_holds_newest_first(login_as):
    services.save_publication(None, {"title": "Counter handbook", "kind": "handbook", "year": 2015},
                              UserFactory(role=Role.QUALITY))
    body = login_as(Role.STAFF, locale="en").get("/archive/").get_data(as_text=True)
    assert "Counter handbook" in body and NARROW in body
    assert "Newest first; type words above to search them." in body
