"""E-mail (immediate notices, digests, the admin's test mail and outbox) and personal calendar feeds."""


def init_app(app) -> None:
    from qms.mail import registration
    from qms.mail.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
