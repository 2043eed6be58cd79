"""The core: dashboard, organization profile, award cycles and the audit trail."""


def init_app(app) -> None:
    from qms.core import registration
    from qms.core.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
