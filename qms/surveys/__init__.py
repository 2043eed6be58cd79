"""Satisfaction surveys (滿意度調查): rounds, reliability and sampling error, radar trends, votes and follow-up."""


def init_app(app) -> None:
    from qms.surveys import registration
    from qms.surveys.routes import bp, kiosk_bp

    app.register_blueprint(bp)
    app.register_blueprint(kiosk_bp)
    registration.register(app)
