"""The spine: features plug in through qms.spine, which imports no feature; no feature imports another."""
from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from qms import FEATURES
from qms.spine import clock

QMS = Path(__file__).resolve().parents[1] / "qms"
# Features build on the shared base (the spine, core, auth, evidence and the top-level helpers), never on each other.
BASE = {"qms.spine", "qms.core", "qms.auth", "qms.evidence", "qms.notifications", "qms.mail"}
FEATURE_PACKAGES = {name for name in FEATURES if name not in BASE}
# Modules that only the app factory and the commands reach, never a feature.
FORBIDDEN_FOR_FEATURES = {"qms.dossier", "qms.cli", "qms.core.routes", "qms.demo"}


def module_name(path: Path) -> str:
    parts = path.relative_to(QMS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level) for every `qms` import in the file, including names imported from it."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [(name, id(node) in top_level) for name in names if name.split(".")[0] == "qms"]
    return found


def package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def all_modules() -> list[tuple[str, Path]]:
    return [(module_name(path), path) for path in sorted(QMS.rglob("*.py"))]


def test_every_feature_package_is_known():
    packages = {package_of(name) for name, path in all_modules() if path.parent != QMS}
    assert FEATURE_PACKAGES == packages - BASE


def test_importing_the_spine_imports_no_feature():
    code = ("import sys, qms.spine, qms.spine.records, qms.spine.navigation, qms.spine.sections, "
            "qms.spine.commands, qms.spine.clock, qms.spine.access, qms.spine.enums, qms.spine.health; "
            "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('qms'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "qms.spine.records" in loaded
    assert set(loaded) <= {"qms", "qms.config", "qms.extensions"} | {m for m in loaded if m.startswith("qms.spine")}


def test_the_spine_imports_only_flask_the_extensions_and_itself():
    for name, path in all_modules():
        if package_of(name) != "qms.spine":
            continue
        for imported, _top in imports_of(path):
            assert imported.startswith(("qms.spine", "qms.extensions", "qms.config")), (name, imported)


def test_no_feature_imports_another():
    offences = []
    for name, path in all_modules():
        own = package_of(name)
        if own not in FEATURE_PACKAGES:
            continue
        for imported, _top in imports_of(path):
            other = package_of(imported)
            if other in FEATURE_PACKAGES and other != own:
                offences.append(f"{name} imports {imported}")
            if other != own and any(imported == f or imported.startswith(f + ".") for f in FORBIDDEN_FOR_FEATURES):
                offences.append(f"{name} imports {imported}")
    assert offences == []


def test_the_base_imports_no_feature():
    offences = [f"{name} imports {imported}" for name, path in all_modules()
                if package_of(name) in BASE or path.parent == QMS
                if name not in ("qms", "qms.demo")  # the app factory and the demo set compose the features
                for imported, _top in imports_of(path) if package_of(imported) in FEATURE_PACKAGES]
    assert offences == []


def test_core_does_not_import_auth():
    """One direction only: auth builds on core."""
    offences = [f"{name} imports {imported}" for name, path in all_modules() if package_of(name) == "qms.core"
                for imported, _top in imports_of(path) if package_of(imported) == "qms.auth"]
    assert offences == []


def test_the_rule_catches_a_cross_feature_import(tmp_path):
    sample = tmp_path / "routes.py"
    sample.write_text("from qms.drills import services\n\ndef f():\n    from qms.dossier import sections\n")
    assert imports_of(sample) == [("qms.drills", True), ("qms.drills.services", True),
                                  ("qms.dossier", False), ("qms.dossier.sections", False)]


def test_clock_is_the_offices_and_can_be_frozen(app):
    with app.app_context():
        with clock.frozen(dt.datetime(2015, 5, 31, 23, 30, tzinfo=dt.timezone.utc)) as moment:
            assert moment.tzinfo is not None
            assert clock.today() == dt.date(2015, 6, 1)  # 07:30 the next morning in Taipei
            assert clock.now().utcoffset() == dt.timedelta(hours=8)
            assert clock.utcnow() == dt.datetime(2015, 5, 31, 23, 30, tzinfo=dt.timezone.utc)
            with clock.frozen(dt.date(2020, 2, 29)):
                assert clock.today() == dt.date(2020, 2, 29)
            assert clock.today() == dt.date(2015, 6, 1)
            assert clock.start_of_day(dt.date(2015, 6, 1)) == dt.datetime(2015, 5, 31, 16, tzinfo=dt.timezone.utc)
        assert clock.today() != dt.date(2015, 6, 1)


def test_a_frozen_clock_dates_what_is_saved(app):
    from qms.core.models import utcnow

    with clock.frozen(dt.datetime(2015, 3, 1, 9, 0)):
        assert utcnow() == dt.datetime(2015, 3, 1, 1, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("locale, expected", [("en", "Quality team"), ("zh_Hant_TW", "品管小組")])
def test_labelled_enum(app, locale, expected):
    from flask_babel import force_locale

    from qms.spine.access import ROLE_LABELS, Role

    with app.test_request_context(), force_locale(locale):
        assert Role("quality") is Role.QUALITY and Role.QUALITY == "quality"
        assert Role.QUALITY.label == expected
        assert [str(label) for label in ROLE_LABELS.values()][1] == expected
        assert Role.choices()[0][0] == "admin"


def test_the_main_navigation_marks_the_current_page_per_role_and_language(app, login_as):
    """The navigation's HTML is rendered once per role, page and language (main_nav): each page still marks its own
    link, each role sees its own links, and each language its own labels."""
    import re

    from qms.spine.access import Role

    def nav(client, path):
        page = client.get(path).get_data(as_text=True)
        links = re.search(r'<ul class="navbar-nav flex-wrap">(.*?)</ul>', page, re.S).group(1)
        current = re.findall(r'href="([^"]+)"\s+aria-current="page"', links)
        return links, current

    quality = login_as(Role.QUALITY)
    for _ in range(2):  # the second time from the cache
        links, current = nav(quality, "/drills/")
        assert current == ["/drills/"] and 'href="/audit"' in links
        links, current = nav(quality, "/")
        assert current == ["/"] and 'class="nav-link active"' in links and "秘密客" in links
    quality.post_form("/locale", {"locale": "en"})
    links, current = nav(quality, "/drills/")
    assert current == ["/drills/"] and "秘密客" not in links and "Mystery" in links
    staff = login_as(Role.STAFF)
    links, current = nav(staff, "/drills/")
    assert current == ["/drills/"] and 'href="/audit"' not in links
