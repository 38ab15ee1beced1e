-- What an incremental run stages, validates and republishes (the work file holds the last publish
-- (warehouse.catch_up); `whole` views every stored row, read column by column: only keys are read here; `recent` the
-- rows committed since the last publish). A run's cost
-- follows what changed, not what is stored:
--   new documents (stored, not published) and documents whose story assignment changed are staged,
--   checked row by row and their rows replaced; gone ones (withdrawn, quarantined) lose their rows;
--   a mention whose entity changed (another entity, or its entity renamed) is updated in place, by
--   (doc_id, local_key): its document is not staged again;
--   entities are replaced by entity id where their row changed;
--   a story is rebuilt when one of its documents came, went, moved or had a name changed.
CREATE OR REPLACE TABLE staging.live_docs AS
SELECT doc_id FROM whole.documents;

CREATE OR REPLACE TABLE staging.new_docs AS
SELECT doc_id FROM staging.live_docs
EXCEPT SELECT doc_id FROM main.documents;

CREATE OR REPLACE TABLE staging.gone_docs AS
SELECT doc_id FROM main.documents
EXCEPT SELECT doc_id FROM staging.live_docs;

-- published documents whose story row (story, match, score...) is not what was published: only a row
-- committed since the last publish can be (recent.story_members; a stored row never changes)
CREATE OR REPLACE TABLE staging.moved_docs AS
SELECT doc_id FROM (
    SELECT s.story_id, s.doc_id, s.matched_doc_id, s.related_story_id, s.match_score, s.days_apart,
           coalesce(s.shared_names, []) AS shared_names, coalesce(s.shared_words, []) AS shared_words
    FROM recent.story_members AS s
    WHERE s.doc_id NOT IN (SELECT doc_id FROM staging.new_docs)
    EXCEPT
    SELECT story_id, doc_id, matched_doc_id, related_story_id, score, days_apart, shared_names, shared_words
    FROM main.story_matches WHERE doc_id IN (SELECT doc_id FROM recent.story_members)
)
WHERE doc_id IN (SELECT doc_id FROM main.documents) AND doc_id IN (SELECT doc_id FROM staging.live_docs)
-- and those whose row shows a gone document as the report they matched (its outlet and title go with it)
-- (a published document is live unless gone)
UNION SELECT doc_id FROM main.story_matches
WHERE matched_doc_id IN (SELECT doc_id FROM staging.gone_docs) AND doc_id NOT IN (SELECT doc_id FROM staging.gone_docs);

-- the documents staged and checked row by row, and those whose published rows are all replaced
CREATE OR REPLACE TABLE staging.scope AS
SELECT doc_id FROM staging.new_docs UNION SELECT doc_id FROM staging.moved_docs;

CREATE OR REPLACE TABLE staging.replaced_docs AS
SELECT doc_id FROM staging.scope UNION SELECT doc_id FROM staging.gone_docs;

-- entities whose row is new or changed (replaced by id), and those no longer stored (deleted); an
-- entity not published that no stored document links to stays unpublished (as in a full build)
-- (the links are read for the changed entities only: `IN (every link)` would hash every link)
CREATE OR REPLACE TABLE staging.changed_entities AS
WITH changed AS (
    SELECT entity_id FROM (
        SELECT entity_id, canonical_name, entity_type, surface_forms, document_count, mention_count FROM whole.entities
        EXCEPT
        SELECT entity_id, canonical_name, entity_type, surface_forms, document_count, mention_count FROM main.entities
    )
)
SELECT entity_id FROM changed WHERE entity_id IN (SELECT entity_id FROM main.entities)
UNION SELECT entity_id FROM whole.entity_links WHERE entity_id IN (SELECT entity_id FROM changed);

CREATE OR REPLACE TABLE staging.dropped_entities AS
SELECT entity_id FROM main.entities
EXCEPT SELECT entity_id FROM whole.entities;

CREATE OR REPLACE TABLE staging.renamed_entities AS
SELECT p.entity_id FROM main.entities AS p JOIN whole.entities AS e USING (entity_id)
WHERE p.canonical_name IS DISTINCT FROM e.canonical_name OR p.entity_type IS DISTINCT FROM e.entity_type
UNION SELECT entity_id FROM staging.dropped_entities;

-- Which changed entities may have gained or lost a kept document's link: those whose links of kept
-- documents (count, and a sum of their hashes) are not what the published file's digest of them
-- (publish_state.entity_links) leaves once the replaced documents' published links are taken out. An
-- entity whose row changed only because new documents joined it (its count) is not suspect, and
-- its millions of unchanged links are summed, never compared one by one.
CREATE OR REPLACE TABLE staging.kept_digest AS
SELECT entity_id, count(*) AS links, sum(hash(doc_id, local_key)::HUGEINT) AS link_hash
FROM whole.entity_links
WHERE entity_id IN (SELECT entity_id FROM staging.changed_entities)
  AND doc_id NOT IN (SELECT doc_id FROM staging.replaced_docs)
GROUP BY entity_id;

CREATE OR REPLACE TABLE staging.suspect_entities AS
WITH replaced_links AS (
    SELECT entity_id, count(*) AS links, sum(hash(doc_id, local_key)::HUGEINT) AS link_hash
    FROM (SELECT DISTINCT doc_id, local_key, entity_id FROM main.entity_mentions
          WHERE doc_id IN (SELECT doc_id FROM staging.replaced_docs) AND entity_id IS NOT NULL)
    GROUP BY entity_id
),
published_kept AS (
    SELECT p.entity_id, p.links - coalesce(r.links, 0) AS links, p.link_hash - coalesce(r.link_hash, 0) AS link_hash
    FROM publish_state.entity_links AS p
    LEFT JOIN replaced_links AS r USING (entity_id)
    WHERE p.entity_id IN (SELECT entity_id FROM staging.changed_entities)
)
SELECT entity_id
FROM staging.kept_digest AS k
FULL JOIN (SELECT * FROM published_kept WHERE links > 0) AS p USING (entity_id)
WHERE k.links IS DISTINCT FROM p.links OR k.link_hash IS DISTINCT FROM p.link_hash;

-- links of kept documents that are not what was published: only links to a suspect or dropped entity
-- can be, and only those are compared
CREATE OR REPLACE TABLE staging.relinks AS
WITH stored_links AS (
    SELECT l.doc_id, l.local_key, l.entity_id FROM whole.entity_links AS l
    WHERE (l.entity_id IN (SELECT entity_id FROM staging.suspect_entities)
           OR l.entity_id NOT IN (SELECT entity_id FROM whole.entities))
      AND l.doc_id NOT IN (SELECT doc_id FROM staging.replaced_docs)
),
published_links AS (
    SELECT DISTINCT doc_id, local_key, entity_id FROM main.entity_mentions
    WHERE (entity_id IN (SELECT entity_id FROM staging.suspect_entities)
           OR entity_id IN (SELECT entity_id FROM staging.dropped_entities))
      AND doc_id NOT IN (SELECT doc_id FROM staging.replaced_docs)
),
changed AS (
    SELECT doc_id, local_key FROM (SELECT * FROM stored_links EXCEPT SELECT * FROM published_links)
    UNION SELECT doc_id, local_key FROM (SELECT * FROM published_links EXCEPT SELECT * FROM stored_links)
    UNION SELECT doc_id, local_key FROM main.entity_mentions
          WHERE entity_id IN (SELECT entity_id FROM staging.renamed_entities)
            AND doc_id NOT IN (SELECT doc_id FROM staging.replaced_docs)
)
SELECT c.doc_id, c.local_key, any_value(l.entity_id) AS entity_id,
       -- the name the mention now shows is not the published one
       bool_or(m.canonical_name IS DISTINCT FROM e.canonical_name OR m.entity_type IS DISTINCT FROM e.entity_type)
           AS renamed
FROM changed AS c
LEFT JOIN whole.entity_links AS l USING (doc_id, local_key)
LEFT JOIN whole.entities AS e ON e.entity_id = l.entity_id
LEFT JOIN main.entity_mentions AS m ON m.doc_id = c.doc_id AND m.local_key = c.local_key
GROUP BY c.doc_id, c.local_key;

-- an entity the changed links left without any link is no longer published (a full build leaves out
-- entities that no document links to)
INSERT INTO staging.dropped_entities
WITH relinked AS (
    SELECT DISTINCT m.entity_id FROM main.entity_mentions AS m
    JOIN staging.relinks AS r ON m.doc_id = r.doc_id AND m.local_key = r.local_key
    WHERE m.entity_id IS NOT NULL
)
SELECT entity_id FROM relinked
WHERE entity_id NOT IN (SELECT entity_id FROM whole.entity_links WHERE entity_id IN (SELECT entity_id FROM relinked))
  AND entity_id NOT IN (SELECT entity_id FROM staging.dropped_entities);

-- stories rebuilt: those of replaced documents (before and after), and those whose documents' names changed
-- (the story tables show claimants', speakers' and places' names)
CREATE OR REPLACE TABLE staging.scope_stories AS
SELECT story_id FROM whole.story_members WHERE doc_id IN (SELECT doc_id FROM staging.scope)
UNION SELECT story_id FROM main.documents
      WHERE doc_id IN (SELECT doc_id FROM staging.replaced_docs
                       UNION SELECT doc_id FROM staging.relinks WHERE renamed)
        AND story_id IS NOT NULL;

-- the published documents of those stories (the story tables are rebuilt from the published document tables)
CREATE OR REPLACE TABLE staging.story_docs AS
SELECT doc_id FROM main.documents WHERE story_id IN (SELECT story_id FROM staging.scope_stories)
UNION SELECT doc_id FROM staging.scope;

-- the entities whose digest of published links (publish_state.entity_links) this publish rewrites: every
-- entity a changed, replaced or relinked link leaves or joins
CREATE OR REPLACE TABLE staging.digest_entities AS
SELECT entity_id FROM staging.changed_entities
UNION SELECT entity_id FROM staging.dropped_entities
UNION SELECT entity_id FROM staging.relinks WHERE entity_id IS NOT NULL
UNION SELECT entity_id FROM main.entity_mentions
      WHERE doc_id IN (SELECT doc_id FROM staging.replaced_docs UNION SELECT doc_id FROM staging.relinks)
        AND entity_id IS NOT NULL
UNION SELECT entity_id FROM whole.entity_links WHERE doc_id IN (SELECT doc_id FROM staging.scope);
