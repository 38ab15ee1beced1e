-- What an incremental run stages and republishes (the work file is a copy of the published one, `whole`
-- views every stored row). Touched documents: new, gone (withdrawn or quarantined), or whose entity
-- links changed: a link that is not what was published, or a link to an entity whose name or type
-- changed. Their stories are republished whole, so every document of those stories is in scope.
CREATE OR REPLACE TABLE staging.relinked_entities AS
SELECT entity_id FROM (
    SELECT entity_id, canonical_name, entity_type, surface_forms, document_count, mention_count FROM whole.entities
    EXCEPT
    SELECT entity_id, canonical_name, entity_type, surface_forms, document_count, mention_count FROM main.entities
);

CREATE OR REPLACE TABLE staging.renamed_entities AS
SELECT entity_id FROM (
    (SELECT entity_id, canonical_name, entity_type FROM whole.entities
     EXCEPT SELECT entity_id, canonical_name, entity_type FROM main.entities)
    UNION
    (SELECT entity_id, canonical_name, entity_type FROM main.entities
     EXCEPT SELECT entity_id, canonical_name, entity_type FROM whole.entities)
);

CREATE OR REPLACE TABLE staging.touched AS
WITH live AS (SELECT doc_id FROM whole.documents),
published AS (SELECT doc_id FROM main.documents),
stored_links AS (
    SELECT doc_id, local_key, entity_id FROM whole.entity_links
    WHERE entity_id IN (SELECT entity_id FROM staging.relinked_entities)
),
published_links AS (
    SELECT DISTINCT doc_id, local_key, entity_id FROM main.entity_mentions
    WHERE entity_id IN (SELECT entity_id FROM staging.relinked_entities)
       OR entity_id NOT IN (SELECT entity_id FROM whole.entities)
)
SELECT doc_id FROM live WHERE doc_id NOT IN (SELECT doc_id FROM published)
UNION SELECT doc_id FROM published WHERE doc_id NOT IN (SELECT doc_id FROM live)
UNION SELECT doc_id FROM (SELECT * FROM stored_links EXCEPT SELECT * FROM published_links)
UNION SELECT doc_id FROM (SELECT * FROM published_links EXCEPT SELECT * FROM stored_links)
UNION SELECT doc_id FROM whole.entity_links WHERE entity_id IN (SELECT entity_id FROM staging.renamed_entities)
UNION SELECT doc_id FROM main.entity_mentions WHERE entity_id IN (SELECT entity_id FROM staging.renamed_entities);

CREATE OR REPLACE TABLE staging.scope_stories AS
SELECT story_id FROM whole.story_members WHERE doc_id IN (SELECT doc_id FROM staging.touched)
UNION
SELECT story_id FROM main.documents WHERE doc_id IN (SELECT doc_id FROM staging.touched) AND story_id IS NOT NULL;

CREATE OR REPLACE TABLE staging.scope AS
SELECT doc_id FROM whole.documents
WHERE doc_id IN (SELECT doc_id FROM staging.touched)
   OR doc_id IN (SELECT doc_id FROM whole.story_members WHERE story_id IN (SELECT story_id FROM staging.scope_stories));

-- Every published row of these documents is replaced by its staged rows (none for a gone document).
CREATE OR REPLACE TABLE staging.replaced_docs AS
SELECT doc_id FROM staging.touched
UNION SELECT doc_id FROM staging.scope
UNION SELECT doc_id FROM main.documents WHERE story_id IN (SELECT story_id FROM staging.scope_stories);
