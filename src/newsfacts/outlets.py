"""Who published each document, and where: outlet name and URL from the best evidence at hand.

In order of trust: metadata written beside the article (sidecar or feed line), the page's own
metadata (og:site_name or the JSON-LD publisher, canonical URL or og:url, lifted by
clean/html.py), a "Headline | Site" title line, the registered domain of the URL, and last the
file name. The registered domain comes from tldextract's bundled copy of the public suffix list:
nothing is downloaded at run time.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath

import tldextract

from newsfacts.clean.fields import parse_date_line
from newsfacts.clean.html import parse_iso_date
from newsfacts.records import CleanedDocument, RawDocument


@lru_cache(maxsize=1)
def domain_extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(url: str | None) -> str | None:
    """'https://www.bbc.co.uk/news/x' -> 'bbc.co.uk'; None when the URL names no public domain."""
    if not url:
        return None
    parts = domain_extractor()(url.strip())
    return parts.top_domain_under_public_suffix or None


def file_stem(source_path: str) -> str:
    return PurePosixPath(source_path.split("#", 1)[0]).stem


def apply_metadata(raw: RawDocument, doc: CleanedDocument) -> CleanedDocument:
    """Fill the document's url, outlet, title and publication date (metadata beside it wins)."""
    meta = raw.metadata or {}
    doc.url = meta.get("url") or doc.url
    doc.title = meta.get("title") or doc.title
    if meta.get("published"):
        published = parse_published(meta["published"])
        if published is not None:
            doc.published_date, doc.published_text = published, meta["published"]
    doc.outlet = (outlet_name(meta.get("outlet")) or outlet_name(doc.site_name) or registered_domain(doc.url)
                  or file_stem(raw.source_path))
    return doc


def outlet_name(name: str | None) -> str | None:
    """A site name as given, or the registered domain when a page gives its address as its name."""
    if not name or not name.strip():
        return None
    name = name.strip()
    return registered_domain(name) or name if "://" in name or name.lower().startswith("www.") else name


def apply_all(raws: list[RawDocument], cleaned: list[CleanedDocument]) -> list[CleanedDocument]:
    return [apply_metadata(raw, doc) for raw, doc in zip(raws, cleaned, strict=True)]


def parse_published(value: str):
    """An ISO timestamp ('2024-04-09T08:30:00Z') or a written date ('April 9, 2024')."""
    iso, _ = parse_iso_date(value)
    return iso or parse_date_line(value)
