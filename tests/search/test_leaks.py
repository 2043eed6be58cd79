"""Search tells a reader only what they may read: "did you mean" suggests no word of a record they cannot see."""
import pytest

from qms import search
from qms.archive import services
from qms.spine.access import Role
from tests.factories import UserFactory

EVERYONE = ["signed_in", "public", "admin", "quality", "staff", "leader"]
VISITOR = ["public"]


@pytest.fixture
def actor(app):
    return UserFactory(role=Role.QUALITY)


def publish(actor, title, abstract, public):
    return services.save_publication(None, {"title": title, "abstract": abstract, "kind": "handbook",
                                            "public": public}, actor)


def test_did_you_mean_offers_no_word_of_an_internal_record_to_a_visitor(actor):
    publish(actor, "Public guide", "Household registration handbook", public=True)
    publish(actor, "Internal memo", "Reconciliation of the confidential ledger", public=False)
    assert search.search("reconcilation", access=EVERYONE).suggestion == "reconciliation"
    assert search.search("reconcilation", access=VISITOR).suggestion is None
    assert search.search("confidental", access=VISITOR).suggestion is None
    assert search.search("handbok", access=VISITOR).suggestion == "handbook"


def test_did_you_mean_forgets_a_deleted_record(actor):
    publish(actor, "Public guide", "Household registration handbook", public=True)
    gone = publish(actor, "Withdrawn", "Naturalization procedures", public=True)
    assert search.search("naturalizaton", access=VISITOR).suggestion == "naturalization"
    services.delete_publication(gone, actor)
    assert search.search("naturalizaton", access=VISITOR).suggestion is None
    assert search.search("naturalizaton", access=EVERYONE).suggestion is None
