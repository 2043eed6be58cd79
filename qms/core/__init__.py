"""The core: dashboard, organization profile, award cycles and the audit trail."""


def init_app(app) -> None:
    from qms import search
    from qms.core import registration
    from qms.core.routes import bp
    from qms.core.search_routes import bp as search_bp

    app.register_blueprint(bp)
    app.register_blueprint(search_bp)
    registration.register(app)
    search.install(app)
