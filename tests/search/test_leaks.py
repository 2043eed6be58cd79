"""Search tells a reader only what they may read: "did you mean" suggests no word of a record they cannot see."""
import pytest

from qms import search
from qms.archive import services
from qms.spine.access import Role
from tests.archive import files
from tests.factories import UserFactory

EVERYONE = ["signed_in", "public", "admin", "quality", "staff", "leader"]
VISITOR = search.user_access_terms(None)


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


def test_the_public_catalogue_searches_and_quotes_public_files_only(actor, client):
    from qms.core import services as core

    core.save_organization({"name": "蘆竹戶政"}, actor)
    services.set_catalogue(True, actor)
    publication = publish(actor, "戶政年報", "年度工作成果。", public=True)
    public_text = files.pdf_with_text("公開檔案說明門牌整編的作業流程與注意事項，供民眾參考。")
    internal_text = files.pdf_with_text("內部檔案記載明年度的機密預算與人事調整，請勿外流。")
    services.add_file(publication, public_text, "open.pdf", True, actor)
    services.add_file(publication, internal_text, "internal.pdf", False, actor)

    assert search.search("機密預算", access=VISITOR).total == 0
    assert search.search("門牌整編", access=VISITOR).total == 1
    staff_view = search.search("機密預算", access=EVERYONE)
    assert staff_view.total == 1 and "機密" in staff_view.hits[0].snippet  # signed-in readers: the whole text, once
    assert search.search("年度工作成果", access=EVERYONE).total == 1  # no second hit from the public variant

    response = client.get("/library/?q=機密預算")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "戶政年報" not in page and "人事調整" not in page
    page = client.get("/library/?q=門牌整編").get_data(as_text=True)
    assert "戶政年報" in page and "內部檔案" not in page

    internal = publication.files[1]
    services.set_file_public(internal, True, actor)
    assert search.search("機密預算", access=VISITOR).total == 1
    missing, extra = search.check()
    assert missing == [] and extra == []
