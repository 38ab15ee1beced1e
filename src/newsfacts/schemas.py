"""Every stored table's Arrow schema, and the enumerations the checks rely on.

One place for column names and types: `store` writes Parquet with these schemas,
`sql/staging/*.sql` loads them, and `expectations/*.json` check them.
"""
from __future__ import annotations

import pyarrow as pa

INGEST_ERROR_REASONS = ("empty", "binary", "too_large", "too_long", "undecodable", "unreadable", "duplicate",
                        "unsupported", "not_a_file", "broken_link", "link_loop", "outside_raw_folder",
                        "linked_folder", "no_article_text", "bad_metadata", "changed")
FORMATS = ("text", "html")
QUALIFIERS = ("exact", "at_least", "more_than", "about", "up_to", "vague")
CASUALTY_KINDS = ("killed", "died", "wounded", "displaced", "evacuated", "destroyed", "detained", "missing")
# Kinds of figure that count what an event did to people or things, compared across outlets:
# casualties, disease cases and jobs cut.
EVENT_KINDS = CASUALTY_KINDS + ("infected", "laid_off")
ENTITY_TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE")

documents = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("format", pa.string(), nullable=False),
        pa.field("charset", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("published_date", pa.date32()),
        pa.field("published_text", pa.string()),
        pa.field("url", pa.string()),
        pa.field("site_name", pa.string()),
        pa.field("outlet", pa.string()),
        pa.field("body_text", pa.large_string(), nullable=False),
        pa.field("raw_line_count", pa.int32(), nullable=False),
        pa.field("body_line_count", pa.int32(), nullable=False),
        pa.field("language", pa.string(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

removed_lines = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("line_no", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("rule", pa.string(), nullable=False),
        pa.field("score", pa.float64()),
    ]
)

entity_mentions = pa.schema(
    [
        pa.field("mention_id", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("char_start", pa.int32(), nullable=False),
        pa.field("char_end", pa.int32(), nullable=False),
        pa.field("local_key", pa.string(), nullable=False),
    ]
)

figures = pa.schema(
    [
        pa.field("figure_id", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("value_low", pa.float64()),
        pa.field("value_high", pa.float64()),
        pa.field("value_text", pa.string(), nullable=False),
        pa.field("qualifier", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("counted", pa.string()),
        pa.field("counted_class", pa.string()),
        pa.field("claimant_text", pa.string()),
        pa.field("claimant_key", pa.string()),
        pa.field("sentence", pa.string(), nullable=False),
        pa.field("char_start", pa.int32(), nullable=False),
        pa.field("char_end", pa.int32(), nullable=False),
        pa.field("event_date", pa.date32()),
        pa.field("event_date_text", pa.string()),
    ]
)

quotes = pa.schema(
    [
        pa.field("quote_id", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("char_start", pa.int32(), nullable=False),
        pa.field("char_end", pa.int32(), nullable=False),
        pa.field("speaker_text", pa.string()),
        pa.field("speaker_key", pa.string()),
        pa.field("cue_verb", pa.string()),
        pa.field("is_partial", pa.bool_(), nullable=False),
        pa.field("event_date", pa.date32()),
        pa.field("event_date_text", pa.string()),
    ]
)

entities = pa.schema(
    [
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("canonical_name", pa.string(), nullable=False),
        pa.field("entity_type", pa.string(), nullable=False),
        pa.field("surface_forms", pa.list_(pa.string()), nullable=False),
        pa.field("document_count", pa.int32(), nullable=False),
        pa.field("mention_count", pa.int32(), nullable=False),
    ]
)

entity_links = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("local_key", pa.string(), nullable=False),
        pa.field("entity_id", pa.string(), nullable=False),
    ]
)

# What a run's incremental linking starts from, beside entities and entity_links (link/incremental.py):
# the blocking keys of each entity's members, and the documents (with the run that stored them) linked.
entity_keys = pa.schema(
    [
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("key", pa.string(), nullable=False),
    ]
)

linked_documents = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)

# Each entity's spellings: the local entities written alike (same key, forms and labels), as the first
# document that writes them does (`written`: JSON of its forms, labels and full-name labels with their
# counts, in that document's order), and how many documents write them. A touched entity is linked
# again from these, not from every document that names it.
entity_spellings = pa.schema(
    [
        pa.field("spelling_id", pa.string(), nullable=False),
        pa.field("entity_id", pa.string(), nullable=False),
        pa.field("local_key", pa.string(), nullable=False),
        pa.field("written", pa.string(), nullable=False),
        pa.field("first_doc_id", pa.string(), nullable=False),
        pa.field("documents", pa.int64(), nullable=False),
    ]
)

# A linked local entity's spelling (the members of a spelling, link/incremental.py).
spelling_links = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("local_key", pa.string(), nullable=False),
        pa.field("spelling_id", pa.string(), nullable=False),
    ]
)

# entity_links as the linking state stores it: each link with its local entity's spelling (a column
# readers of entity_links, which select its columns by name, never see).
entity_links_with_spellings = pa.schema([*entity_links, pa.field("spelling_id", pa.string(), nullable=False)])

ingest_errors = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("doc_id", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64()),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("recorded_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

WITHDRAWAL_REASONS = ("superseded", "removed", "quarantined")

# A document taken out of the published tables because its raw file changed or went away.
# Its Parquet rows stay in the store; readers skip them (doc_id, document_run_id).
withdrawn_documents = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("document_run_id", pa.string(), nullable=False),  # the run that stored the document
        pa.field("reason", pa.string(), nullable=False),
        pa.field("replaced_by", pa.string()),  # doc_id of the file's new bytes, when known
        pa.field("run_id", pa.string(), nullable=False),  # the run that withdrew it
        pa.field("withdrawn_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

# A document's story (newsfacts.stories) and the features it was grouped by, kept so that later
# runs compare new documents with it without re-reading its text. Appended by each run that assigns
# stories (newsfacts.story_index), never rewritten: a row is the document as one run stored it
# (document_run_id), hidden like the document's other rows once it is withdrawn; member_seq numbers
# the members in the order they were assigned (a story's members are compared in that order).
story_members = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("document_run_id", pa.string(), nullable=False),
        pa.field("member_seq", pa.int64(), nullable=False),
        pa.field("story_id", pa.string(), nullable=False),
        pa.field("published_date", pa.date32()),
        pa.field("title", pa.string()),
        pa.field("words", pa.list_(pa.string()), nullable=False),
        pa.field("names", pa.list_(pa.string()), nullable=False),
        pa.field("main_place", pa.string()),
        pa.field("main_actor", pa.string()),
        pa.field("minhash", pa.list_(pa.uint64())),  # MinHash signature over words and names
        # Why the document is in its story: the earlier member it matched (for the first document of a
        # story, the report of an earlier story it follows up, if any), the similarity of the two, the
        # names and words they share (rarest first) and the days between them (null when undated).
        pa.field("matched_doc_id", pa.string()),
        pa.field("match_score", pa.float64()),
        pa.field("shared_names", pa.list_(pa.string())),
        pa.field("shared_words", pa.list_(pa.string())),
        pa.field("days_apart", pa.int32()),
        pa.field("related_story_id", pa.string()),  # the earlier story this one follows up (its first document only)
    ]
)

# The stored candidate index of stories (newsfacts.story_index): each member's LSH band keys (band 0..127:
# its two MinHash values of that band) and the names its headline says (band -1: a 64-bit hash of the
# name), which a run joins with its new documents' keys in DuckDB; appended with the members.
story_index = pa.schema(
    [
        pa.field("band", pa.int16(), nullable=False),
        pa.field("key", pa.uint64(), nullable=False),
        pa.field("member_seq", pa.int64(), nullable=False),
    ]
)

# How many stored members say each feature (word, name, headline or lead feature; and the keys
# story_index.DAY_KEY, TOTAL_KEY, GONE_KEY), as changes: +1 for each new member, -1 for each withdrawn
# one; a feature's count is the sum of its rows. The rarity of what a new document and its candidates
# say is read for their features only.
story_features = pa.schema(
    [
        pa.field("feature", pa.string(), nullable=False),
        pa.field("documents", pa.int64(), nullable=False),
    ]
)

# Tables written per document batch (appended run by run, each run's files committed together) ...
PER_DOCUMENT_TABLES = {
    "documents": documents,
    "removed_lines": removed_lines,
    "entity_mentions": entity_mentions,
    "figures": figures,
    "quotes": quotes,
}
# ... the log of withdrawn documents (committed with the same run's files, never filtered) ...
HISTORY_TABLES = {
    "withdrawn_documents": withdrawn_documents,
}
# ... the story assignments, appended by the run that assigns stories (committed per run, taken back with
# it; a row hidden once its document, as document_run_id stored it, is withdrawn) ...
DOCUMENT_STATE_TABLES = {
    "story_members": story_members,
}
COMMITTED_TABLES = {**PER_DOCUMENT_TABLES, **HISTORY_TABLES, **DOCUMENT_STATE_TABLES}
# ... with the story index beside them (committed with them, never staged or published) ...
STORY_INDEX_TABLES = {
    "story_index": story_index,
    "story_features": story_features,
}
PART_TABLES = {**COMMITTED_TABLES, **STORY_INDEX_TABLES}
# ... and tables rewritten whole on every run: entities and errors rebuilt from the committed tables and
# the raw folder.
CORPUS_TABLES = {
    "entities": entities,
    "entity_links": entity_links,
    "ingest_errors": ingest_errors,
}
STORED_TABLES = {**COMMITTED_TABLES, **CORPUS_TABLES}
# The state of incremental linking: entities and entity_links with their keys and documents, rewritten
# together by each run that links (never staged or published themselves).
LINK_STATE_TABLES = {
    "entities": entities,
    "entity_links": entity_links_with_spellings,
    "entity_keys": entity_keys,
    "linked_documents": linked_documents,
    "entity_spellings": entity_spellings,
}

# The raw files a run saw, as the file system describes them: a later run takes a file whose size and
# modification time are unchanged for the document it held, without reading it again (never published).
raw_files = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("size_bytes", pa.int64(), nullable=False),
        pa.field("mtime_ns", pa.int64(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
    ]
)

# One row per run of the flow (published as main.runs). Run records say "running" until the run
# ends; a record still "running" when the next run starts is recorded as "crashed". In the published
# table only the run that built the tables is "published"; earlier publishing runs are "superseded"; a
# run that found nothing new is "unchanged" (it republished the runs table only).
RUN_STATUSES = ("published", "validation_failed", "crashed", "superseded", "unchanged")
runs = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("started", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("finished", pa.timestamp("us", tz="UTC")),
        pa.field("status", pa.string(), nullable=False),
        pa.field("documents_new", pa.int64()),
        pa.field("documents_skipped", pa.int64()),
        pa.field("documents_quarantined", pa.int64()),
        pa.field("documents_superseded", pa.int64()),
        pa.field("documents_removed", pa.int64()),
        pa.field("why", pa.string()),
    ]
)

# One row per expectation of a validation run (published as main.validation_results).
validation_results = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("expectation", pa.string(), nullable=False),
        pa.field("column_name", pa.string()),
        pa.field("scope", pa.string(), nullable=False),  # row: quarantines the failing documents; table: blocks
        pa.field("success", pa.bool_(), nullable=False),
        pa.field("element_count", pa.int64()),
        pa.field("unexpected_count", pa.int64()),
        pa.field("unexpected_examples", pa.string()),
        pa.field("notes", pa.string()),
    ]
)

# One row per document kept out of the published tables and failed expectation (main.quarantine).
quarantine = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("source_path", pa.string()),
        pa.field("table_name", pa.string(), nullable=False),
        pa.field("expectation", pa.string(), nullable=False),
        pa.field("detail", pa.string(), nullable=False),
    ]
)
