"""Text people write (citizens, staff, the rules page) turned into safe HTML.

Markdown without raw HTML (markdown-it), then nh3 keeps only a small set of tags and makes every
link nofollow; only http(s) and mailto links survive.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "code",
        "pre"}


def to_html(text: str) -> Markup:
    """Return Markdown as sanitized HTML, safe to put in a page."""
    rendered = _MD.render(text or "")
    return Markup(nh3.clean(rendered, tags=TAGS, attributes={"a": {"href"}},
                            url_schemes={"http", "https", "mailto"}, link_rel="nofollow ugc noopener"))
