"""Publications archive (典藏出版品): the office's own publications, their files' text, and the public catalogue."""


def init_app(app) -> None:
    from qms.archive import registration
    from qms.archive.routes import bp, library_bp

    app.register_blueprint(bp)
    app.register_blueprint(library_bp)
    registration.register(app)
