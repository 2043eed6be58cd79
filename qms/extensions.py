"""Flask extensions, created unbound; create_app() binds them."""
from functools import cached_property

from flask import g
from flask_babel import Babel, Domain
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations reproducible on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()


class RequestCachedDomain(Domain):
    """Flask-Babel's default domain, its get_translations() remembered for the request: Flask-Babel caches the
    catalogue, but finding it again through the `g` proxies cost ~20 µs for each translated message. The
    remembered catalogue is used only while the request's locale and domain are the objects it was found with
    (force_locale, refresh() and Domain.as_default change them)."""

    def get_translations(self):
        try:
            state = vars(g._get_current_object()).get("_flask_babel")
        except RuntimeError:  # no app context: Flask-Babel's answer (null translations)
            state = None
        if state is not None:
            found = getattr(state, "qms_translations", None)
            locale = getattr(state, "babel_locale", None)
            if found is not None and locale is not None and found[0] is locale and found[1] is self \
                    and getattr(state, "babel_domain", None) is self:
                return found[2]
        translations = super().get_translations()
        state = getattr(g, "_flask_babel", None) if g else None
        if state is not None and getattr(state, "babel_domain", None) is self:
            state.qms_translations = (getattr(state, "babel_locale", None), self, translations)
        return translations


class QMSBabel(Babel):
    @cached_property
    def domain_instance(self):
        return RequestCachedDomain(domain=self.domain)


babel = QMSBabel()
bootstrap = Bootstrap5()
