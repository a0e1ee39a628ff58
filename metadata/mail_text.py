"""The text and HTML of the messages subscribers get, from values already in their language.

The HTML is plain: inline styles only (mail clients drop style sheets), no images, no scripts,
no tracking, every value escaped; the text part says the same, so either may be read alone.
Pieces of news are grouped by dataset, in the order they came.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from metadata.messages import text


def phrase(lang: str, message_id: str, **params: object) -> str:
    """Return one message of messages_follow in a language."""
    import metadata.messages_follow  # noqa: F401 (registers the message ids)

    return text(message_id, **params).get(lang)


@dataclass(frozen=True)
class Block:
    """One piece of news about one dataset."""

    dataset: str  # its title
    dataset_url: str
    headline: str
    facts: tuple[str, ...] = ()
    values_title: str = ""
    values: tuple[tuple[str, str, str, str], ...] = ()  # (row key, column title, before, after)
    values_heads: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (label, URL)


@dataclass(frozen=True)
class Mail:
    """A whole message before it becomes MIME."""

    lang: str
    subject: str
    intro: str
    blocks: tuple[Block, ...] = ()
    action: tuple[str, str] | None = None  # a button: (label, URL)
    footer: str = ""
    links: tuple[tuple[str, str], ...] = ()  # manage, unsubscribe


def _grouped(blocks: tuple[Block, ...]) -> list[tuple[Block, list[Block]]]:
    groups: dict[str, tuple[Block, list[Block]]] = {}
    for block in blocks:
        groups.setdefault(block.dataset_url, (block, []))[1].append(block)
    return list(groups.values())


def render_text(mail: Mail) -> str:
    """Return the plain-text part."""
    lines = [mail.intro, ""]
    if mail.action:
        lines += [f"{mail.action[0]}:", mail.action[1], ""]
    for first, blocks in _grouped(mail.blocks):
        lines += [first.dataset, "=" * min(len(first.dataset), 72), first.dataset_url, ""]
        for block in blocks:
            lines.append(block.headline)
            lines += [f"  - {fact}" for fact in block.facts]
            if block.values:
                lines += ["", f"  {block.values_title}:"]
                lines += [f"  - {key} · {column}: {old} → {new}" for key, column, old, new in block.values]
            if block.links:
                lines.append("")
                lines += [f"  {label}: {url}" for label, url in block.links]
            lines.append("")
    lines += ["-- ", mail.footer] if mail.footer else []
    lines += [f"{label}: {url}" for label, url in mail.links]
    return "\n".join(lines).rstrip() + "\n"


_P = 'style="margin:0 0 12px 0;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45;color:#1b1b1b"'
_CELL = 'style="border:1px solid #c8c8c8;padding:4px 8px;text-align:left;font-size:14px"'
_LINK = 'style="color:#0b4f9c"'


def _a(label: str, url: str) -> str:
    return f'<a href="{escape(url)}" {_LINK}>{escape(label)}</a>'


def _block_html(block: Block) -> str:
    parts = [f"<p {_P}><strong>{escape(block.headline)}</strong></p>"]
    if block.facts:
        items = "".join(f"<li>{escape(f)}</li>" for f in block.facts)
        parts.append(f'<ul style="margin:0 0 12px 20px;padding:0;font-family:Arial,Helvetica,sans-serif;'
                     f'font-size:15px">{items}</ul>')
    if block.values:
        heads = "".join(f"<th {_CELL}>{escape(h)}</th>" for h in block.values_heads)
        rows = f"<tr>{heads}</tr>" if heads else ""
        rows += "".join("<tr>" + "".join(f"<td {_CELL}>{escape(v)}</td>" for v in row) + "</tr>"
                       for row in block.values)
        parts.append(f"<p {_P}>{escape(block.values_title)}</p>"
                     f'<table style="border-collapse:collapse;margin:0 0 12px 0">'
                     f"{rows}</table>")
    if block.links:
        parts.append(f"<p {_P}>" + "<br>".join(_a(label, url) for label, url in block.links) + "</p>")
    return "".join(parts)


def render_html(mail: Mail) -> str:
    """Return the HTML part."""
    body = [f"<p {_P}>{escape(mail.intro)}</p>"]
    if mail.action:
        label, url = mail.action
        body.append(f'<p {_P}><a href="{escape(url)}" style="display:inline-block;padding:10px 16px;'
                    f'background:#0b4f9c;color:#ffffff;text-decoration:none;border-radius:4px">'
                    f"{escape(label)}</a></p><p {_P}>{escape(url)}</p>")
    for first, blocks in _grouped(mail.blocks):
        body.append(f'<h2 style="font-family:Arial,Helvetica,sans-serif;font-size:18px;margin:20px 0 8px 0">'
                    f"{_a(first.dataset, first.dataset_url)}</h2>")
        body += [_block_html(b) for b in blocks]
    if mail.footer or mail.links:
        body.append('<hr style="border:0;border-top:1px solid #c8c8c8;margin:24px 0 12px 0">')
        body.append(f'<p style="margin:0 0 8px 0;font-family:Arial,Helvetica,sans-serif;font-size:13px;'
                    f'color:#4a4a4a">{escape(mail.footer)}</p>')
        body.append('<p style="margin:0;font-family:Arial,Helvetica,sans-serif;font-size:13px">'
                    + " · ".join(_a(label, url) for label, url in mail.links) + "</p>")
    return (f'<!DOCTYPE html><html lang="{mail.lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width"><title>{escape(mail.subject)}</title>'
            f'</head><body style="margin:0;padding:16px;background:#ffffff">'
            f'<div style="max-width:640px">{"".join(body)}</div></body></html>')
