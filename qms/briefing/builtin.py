"""The free slide kinds: a title slide, a Markdown text slide and an image from evidence."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms.spine.slides import SlideContext, SlideKind, register_slide_kind


def title_slide(context: SlideContext) -> dict:
    slide = context.slide
    return {"title": slide.title if slide else "", "subtitle": slide.subtitle if slide else "",
            "organization": context.organization, "cycle": context.cycle}


def text_slide(context: SlideContext) -> dict:
    return {"body": context.slide.body if context.slide else ""}


def image_slide(context: SlideContext) -> dict | None:
    slide = context.slide
    if slide is None or not slide.evidence_id:
        return None
    return {"evidence_id": slide.evidence_id, "caption": slide.subtitle, "body": slide.body}


def register() -> None:
    register_slide_kind(SlideKind("title", _l("Title slide"), "slides/title.html", title_slide, order=1, live=False,
                                  default_seconds=30))
    register_slide_kind(SlideKind("text", _l("Text slide (Markdown)"), "slides/text.html", text_slide, order=2,
                                  live=False))
    register_slide_kind(SlideKind("image", _l("Image from evidence"), "slides/image.html", image_slide, order=3,
                                  live=False))
