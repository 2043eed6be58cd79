"""The core: dashboard, organization profile, award cycles and the audit trail."""


def init_app(app) -> None:
    from qms import jobs, search, search_postgres
    from qms.core import jobs_routes, registration
    from qms.core.routes import bp
    from qms.core.search_routes import bp as search_bp

    app.register_blueprint(bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(jobs_routes.bp)
    registration.register(app)
    jobs_routes.register(app)
    jobs.init_app(app)
    search.install(app)
    search_postgres.install()
