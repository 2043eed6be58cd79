"""The hostile-input sweep: every form the app renders, every field, a list of hostile values and files.

Like the access matrix, nothing here lists the forms: the sweep signs in as admin over the demo office, walks
every page it can reach from the navigation (one or two pages of each address pattern), and collects each POST
form with its fields and the values the page fills in. Then, one field at a time, it replaces the field's value
with a hostile one and submits. Asserted each time: no 5xx and no traceback logged; an answer that is not a
redirect (an error shown) saved nothing; a page reached after a save shows no hostile markup unescaped.
At the end: no file was written outside instance/, and every export still opens.

By default each field gets the values most likely to break something plus a seeded sample of the rest;
`pytest --hostile-full` tries every value on every field.
"""
from __future__ import annotations

import functools
import io
import logging
import random
import re
import zipfile
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from qms.config import ROOT
from qms.core.models import AuditEvent
from qms.spine.access import Role

MARKER = "qmsx"
SCRIPT = f'<script>alert("{MARKER}")</script>'
HOSTILE_VALUES = [
    "", " ", "x" * 100_000, "\x00", "名\x00稱", "a\x07b\x1bc", "line\r\nbreak",
    "\ud800".encode("utf-8", "surrogatepass"), b"\xff\xfe\xfa invalid utf-8", "\u202eRTL override",
    "emoji 😀🏢", "CJK Ext B 𠀀𪚥",
    "NaN", "nan", "Infinity", "-Infinity", "inf", "-0", "1e400", "-1e400", "99999999999999999999", "-1",
    "0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", "2015-02-30",
    SCRIPT, f'"><img src=x onerror=alert("{MARKER}")>', "{{ 7*7 }}", "' OR '1'='1", "1; DROP TABLE user;--",
    "../../../../etc/passwd", '=HYPERLINK("http://evil.example/","x")', "+1+1", "@SUM(A1)",
]
# Tried on every field of a kind even when sampling: the values that broke pages before.
ALWAYS = {
    "text": ["\x00", "x" * 100_000, SCRIPT, "\u202eRTL override", '=HYPERLINK("http://evil.example/","x")'],
    "number": ["NaN", "Infinity", "1e400", "99999999999999999999", "\x00"],
    "date": ["0001-01-01", "9999-12-31", "0001-01-01T00:00", "2015-02-30", "\x00"],
    "choice": [SCRIPT, "\x00", "99999999999999999999"],
}
KINDS = {"number": "number", "date": "date", "datetime-local": "date", "time": "date", "select": "choice",
         "checkbox": "choice", "radio": "choice", "hidden": "choice"}
SAMPLE = 2
MAX_PAGES = 240
SKIP_PATHS = ("/logout", "/static/", "/bootstrap/", "/account/password", "/kiosk/")
DOWNLOAD = re.compile(r"\.(pdf|xlsx|ods|csv|zip|png|jpe?g|svg|ico)$|/files/|/download|/cover$|/raw$|/progress")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(member: str, unpacked: int) -> bytes:
    """A small zip whose one member unpacks to `unpacked` bytes of zeros (written in chunks: little memory)."""
    buffer, chunk = io.BytesIO(), b"\0" * (1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(member, "w", force_zip64=True) as stream:
            for _ in range(unpacked // len(chunk) + 1):
                stream.write(chunk)
    return buffer.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


def _encrypted_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zero_page_pdf() -> bytes:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


@functools.cache
def hostile_files() -> list[tuple[str, bytes]]:
    xml_bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                           for n in range(1, 10))
                + b']><lolz>&lol9;</lolz>')
    yaml_lines, previous = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'], "a"
    for name in "bcdefghi":
        yaml_lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    yaml_bomb = "\n".join(yaml_lines).encode()
    return [
        ("empty.pdf", b""),
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),  # wrong type by content
        ("polyglot.pdf", b"%PDF-1.4\n" + _zip({"word/document.xml": b"<w/>"})),
        ("bomb.xlsx", zip_bomb("xl/sharedStrings.xml", 210 * 1024 * 1024)),
        ("entities.xml", xml_bomb), ("entities.html", xml_bomb),
        ("entities.docx", _zip({"word/document.xml": xml_bomb})),
        ("huge.png", _png_claiming(100_000, 100_000)),
        ("alias.yaml", yaml_bomb),
        ("zero-pages.pdf", _zero_page_pdf()),
        ("encrypted.pdf", _encrypted_pdf()),
        ("../../escape.txt", b"plain text that tries to leave the upload folder " * 3),
        ("名稱\r\nwith\x00nul.pdf", b"%PDF-1.4\n%%EOF\n"),
    ]


@dataclass
class Form:
    page: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> values the page sends
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type / select / textarea
    files: list[str] = field(default_factory=list)

    @property
    def signature(self) -> tuple:
        return re.sub(r"\d+", "N", urlsplit(self.action).path), tuple(sorted(self.fields)), tuple(self.files)


ERROR_SHOWN = re.compile(r'class="invalid-feedback|class="alert alert-danger')


def pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def forms_on(page: str, html: str) -> list[Form]:
    found = []
    for node in BeautifulSoup(html, "html.parser").find_all("form"):
        if (node.get("method") or "get").lower() != "post":
            continue
        form = Form(page=page, action=urljoin(page, node.get("action") or page))
        for element in node.find_all(["input", "select", "textarea"]):
            name = element.get("name")
            if not name or element.has_attr("disabled"):
                continue
            kind = element.name if element.name != "input" else (element.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                continue
            if kind == "file":
                form.files.append(name)
                continue
            form.kinds.setdefault(name, kind)
            values = form.fields.setdefault(name, [])
            if kind in ("checkbox", "radio"):
                if element.has_attr("checked"):
                    values.append(element.get("value", "y"))
            elif kind == "select":
                options = element.find_all("option")
                chosen = [o for o in options if o.has_attr("selected")] or options[:1]
                values += [o.get("value", o.get_text()) for o in chosen]
            elif kind == "textarea":
                values.append(element.get_text())
            else:
                values.append(element.get("value", ""))
        if set(form.fields) - {"csrf_token"} or form.files:
            found.append(form)
    return found


def crawl(client) -> list[Form]:
    """Every POST form on the pages reachable from the dashboard (at most two pages of each address pattern)."""
    queue, seen, per_pattern, forms = ["/"], set(), {}, {}
    while queue and len(seen) < MAX_PAGES:
        page = queue.pop(0)
        if page in seen or per_pattern.get(pattern(page), 0) >= 2:
            continue
        seen.add(page)
        per_pattern[pattern(page)] = per_pattern.get(pattern(page), 0) + 1
        response = client.get(page)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        for form in forms_on(page, html):
            forms.setdefault(form.signature, form)
        for link in BeautifulSoup(html, "html.parser").find_all("a", href=True):
            target = urljoin(page, link["href"])
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP_PATHS) \
                    or DOWNLOAD.search(parts.path):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return list(forms.values())


def files_outside_instance() -> set[str]:
    skip = {".git", ".venv", "instance", "node_modules", ".pytest_cache", "__pycache__", ".ruff_cache"}
    found = set()
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if not any(part in skip or part.endswith(".egg-info") for part in relative.parts):
            found.add(str(relative))
    return found


def values_for(kind: str, rng: random.Random, full: bool) -> list:
    if full:
        return list(HOSTILE_VALUES)
    always = ALWAYS[KINDS.get(kind, "text")]
    return always + rng.sample([v for v in HOSTILE_VALUES if v not in always], SAMPLE)


def unescaped_markup(html: str) -> bool:
    return SCRIPT in html or "<img src=x onerror=" in html


@pytest.fixture
def demo_admin(app, db, login_as):
    from qms import demo

    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests; the sweep is about the values
    app.config["PROPAGATE_EXCEPTIONS"] = False  # an error is answered 500 and logged, as in production
    demo.seed_demo()
    db.session.commit()
    return login_as(Role.ADMIN)


def test_hostile_input_sweep(app, db, demo_admin, login_as, caplog, request):
    full = request.config.getoption("--hostile-full")
    rng = random.Random(2015)
    client = demo_admin
    before_files = files_outside_instance()
    forms = crawl(client)
    assert len(forms) >= 25, [f.action for f in forms]  # the sweep cannot pass vacuously
    caplog.set_level(logging.ERROR)
    failures, tried, files_tried, fields_tried = [], 0, 0, 0

    def audit_count() -> int:
        db.session.rollback()
        return db.session.scalar(select(func.count()).select_from(AuditEvent))

    def submit(form: Form, data: dict, what: str, content_type=None):
        nonlocal client
        before = audit_count()
        caplog.clear()
        response = client.post(form.action, data=data, content_type=content_type)
        status = response.status_code
        if status >= 500:
            failures.append(f"{status} {form.action} {what}")
        if any(record.exc_info for record in caplog.records):
            failures.append(f"traceback logged: {form.action} {what}: {caplog.records[-1].getMessage()[:200]}")
        refused = status >= 400 or (status == 200 and ERROR_SHOWN.search(response.get_data(as_text=True)))
        if refused and audit_count() != before:
            failures.append(f"error answer ({status}) but something was saved: {form.action} {what}")
        location = response.headers.get("Location", "")
        if status == 302 and "/login" in location:
            client = login_as(Role.ADMIN)  # a form ended the session (own password, own account): sign in again
        elif status == 302:
            page = client.get(location)
            if page.status_code >= 500:
                failures.append(f"{page.status_code} on {location} after {form.action} {what}")
            elif unescaped_markup(page.get_data(as_text=True)):
                failures.append(f"unescaped markup on {location} after {form.action} {what}")
        elif unescaped_markup(response.get_data(as_text=True)):
            failures.append(f"unescaped markup in the answer to {form.action} {what}")

    for form in forms:
        baseline = {name: list(values) for name, values in form.fields.items()}
        for name in form.fields:
            if name == "csrf_token":
                continue
            fields_tried += 1
            for value in values_for(form.kinds.get(name, "text"), rng, full):
                data = {**baseline, name: value}
                submit(form, data, f"{name}={value[:40]!r}")
                tried += 1
        for name in form.files:
            for filename, content in hostile_files():
                data = {**baseline, name: (io.BytesIO(content), filename)}
                submit(form, data, f"{name}={filename!r}", content_type="multipart/form-data")
                files_tried += 1

    for path in ("/drills/export/drills.xlsx", "/drills/export/actions.csv", "/benchmarking/export.xlsx",
                 "/initiatives/export.ods"):
        response = client.get(path)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} on export {path}")
    written = files_outside_instance() - before_files
    print(f"\nhostile sweep: {len(forms)} forms, {fields_tried} fields, {tried} values tried, "
          f"{files_tried} files tried, {len(failures)} failures")
    assert failures == [], "\n".join(failures[:80]) + (f"\n... and {len(failures) - 80} more" if len(failures) > 80
                                                        else "")
    assert not written, f"files written outside instance/: {sorted(written)[:20]}"


def test_the_crawler_finds_forms_and_their_values():
    html = """<form method="post" action="/x/5"><input name="csrf_token" type="hidden" value="t">
      <input name="title" value="舊名"><textarea name="notes">n</textarea>
      <input type="checkbox" name="c" value="y" checked>
      <select name="kind"><option value="a">A</option><option value="b" selected>B</option></select>
      <input type="file" name="upload"><button type="submit">Save</button></form>
      <form method="get" action="/search"><input name="q"></form>"""
    (form,) = forms_on("/x/5/edit", html)
    assert form.action == "/x/5"
    assert form.fields == {"csrf_token": ["t"], "title": ["舊名"], "notes": ["n"], "c": ["y"], "kind": ["b"]}
    assert form.files == ["upload"] and form.signature[0] == "/x/N"
