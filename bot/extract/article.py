"""Orchestrates extraction. (In progress: plain trafilatura for now.)"""

from __future__ import annotations

import trafilatura

from bot.errors import NotArticle
from bot.models import Article, Page


def extract_article(page: Page) -> Article:
    html = page.body.decode(page.charset or "utf-8", errors="replace")
    doc = trafilatura.bare_extraction(html, url=page.final_url, with_metadata=True)
    if doc is None or not doc.text:
        raise NotArticle("no article text was found on the page")
    paragraphs = tuple(p.strip() for p in doc.text.split("\n") if p.strip())
    return Article(
        url=page.url,
        canonical_url=doc.url,
        title=doc.title,
        authors=tuple(a.strip() for a in (doc.author or "").split(";") if a.strip()),
        published=doc.date,
        site_name=doc.sitename,
        language=doc.language,
        description=doc.description,
        paragraphs=paragraphs,
    )
