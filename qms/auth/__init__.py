"""Accounts: sign-in, passwords, language, and user administration."""


def init_app(app) -> None:
    from qms.auth import registration
    from qms.auth.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
