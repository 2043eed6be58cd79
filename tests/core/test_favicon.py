"""/favicon.ico answers with the QMS seal, and every page names its icons."""
import io

from PIL import Image


def test_favicon_is_the_seal_for_anyone(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
        icon = Image.open(io.BytesIO(response.data))
    assert icon.format == "ICO" and {(16, 16), (32, 32)} <= set(icon.info["sizes"])


def test_pages_link_their_icons(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in page
    assert '<link rel="icon" href="/static/img/qms-seal.svg" type="image/svg+xml">' in page
    with client.get("/static/img/qms-seal.svg") as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
