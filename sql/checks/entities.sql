-- Batch for expectations/entities.json; doc_ids: the documents whose mentions the entity joins
-- (a row-level failure quarantines them).
WITH documents_of AS (
    SELECT entity_id, list(DISTINCT doc_id ORDER BY doc_id) AS doc_ids
    FROM staging.entity_links
    GROUP BY entity_id
)
SELECT
    e.entity_id,
    e.canonical_name,
    e.entity_type,
    len(e.surface_forms) AS surface_form_count,
    e.document_count,
    e.mention_count,
    coalesce(d.doc_ids, []) AS doc_ids
FROM staging.entities AS e
LEFT JOIN documents_of AS d USING (entity_id);
