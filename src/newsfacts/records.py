"""Plain records passed between stages (ingest -> clean -> extract -> store).

Stages take and return these dataclasses; `store` turns lists of them into Arrow
tables with the schemas in `newsfacts.schemas`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class RawDocument:
    """One readable input file, decoded."""

    doc_id: str  # SHA-256 of the raw bytes
    source_path: str
    format: str  # "text" | "html"
    charset: str
    size_bytes: int
    text: str
    metadata: dict[str, str] = field(default_factory=dict)  # url, outlet, title, published given beside it


@dataclass(frozen=True)
class FileStat:
    """What the file system says of a raw file, and the document its bytes were."""

    size_bytes: int
    mtime_ns: int
    doc_id: str


@dataclass
class IngestError:
    source_path: str
    reason: str  # one of schemas.INGEST_ERROR_REASONS
    detail: str
    size_bytes: int | None = None
    doc_id: str | None = None


@dataclass
class RemovedLine:
    line_no: int  # 1-based line number in the decoded raw text (HTML: in the extracted main text)
    text: str
    rule: str  # rule name or classifier, one of schemas.REMOVAL_RULES
    score: float | None = None  # classifier probability of boilerplate, when one decided


@dataclass
class CleanedDocument:
    """A document's article body and the fields lifted out of its text."""

    doc_id: str
    body_text: str
    removed_lines: list[RemovedLine] = field(default_factory=list)
    title: str | None = None
    published_date: date | None = None
    published_text: str | None = None
    url: str | None = None
    site_name: str | None = None
    outlet: str | None = None  # who published it (newsfacts.outlets)
    raw_line_count: int = 0
    body_line_count: int = 0
    language: str = "und"  # ISO 639-1 code of body_text's language (newsfacts.language), "und" if unknown


@dataclass
class EntityMention:
    doc_id: str
    text: str
    label: str  # spaCy NER label after corpus-level correction (PERSON, ORG, GPE, ...)
    char_start: int  # offsets into CleanedDocument.body_text
    char_end: int
    local_key: str  # the document-local entity this mention belongs to (its fullest name)


@dataclass
class Figure:
    doc_id: str
    value: float | None  # None for vague amounts such as "dozens"
    value_low: float | None
    value_high: float | None
    value_text: str
    qualifier: str  # exact | at_least | more_than | about | up_to | vague
    kind: str  # killed | died | wounded | ... | distance_km | other
    counted: str | None  # what is counted ("attackers", "people")
    counted_class: str | None  # coarse class of what is counted, for cross-source comparison
    claimant_text: str | None
    claimant_key: str | None  # local_key of the claiming entity in this document
    sentence: str
    char_start: int  # span of the number phrase in body_text
    char_end: int
    event_date: date | None = None
    event_date_text: str | None = None


@dataclass
class Quote:
    doc_id: str
    text: str  # without the quotation marks
    char_start: int  # span of the quoted text (inside the marks) in body_text
    char_end: int
    speaker_text: str | None
    speaker_key: str | None  # local_key of the speaking entity in this document
    cue_verb: str | None
    is_partial: bool  # a quoted fragment inside the reporter's own sentence
    event_date: date | None = None
    event_date_text: str | None = None


@dataclass
class DocumentFacts:
    """Everything the extract stage found in one document."""

    doc_id: str
    mentions: list[EntityMention] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    word_count: int = 0


@dataclass
class Entity:
    """A canonical entity, linked across documents."""

    entity_id: str
    canonical_name: str
    entity_type: str
    surface_forms: list[str]
    document_count: int
    mention_count: int


@dataclass
class EntityLink:
    """Maps a document-local entity to its canonical entity."""

    doc_id: str
    local_key: str
    entity_id: str
