"""Benchmarking (標竿學習): peer organizations, comparable metrics with ranks, and practices learned."""


def init_app(app) -> None:
    from qms.benchmarking import registration
    from qms.benchmarking.routes import bp

    app.register_blueprint(bp)
    registration.register(app)
