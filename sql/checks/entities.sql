-- Batch for expectations/entities.json: the entities this run made or changed (every one in a full
-- build); doc_ids: the documents whose mentions the entity joins (a row-level failure quarantines them).
-- In an incremental run only the staged documents can be quarantined: an entity that published
-- documents name too gets no doc_ids, so its failure names no document and blocks the publish.
WITH documents_of AS (
    SELECT entity_id, list(DISTINCT doc_id ORDER BY doc_id) AS doc_ids, count(DISTINCT doc_id) AS staged_documents
    FROM staging.entity_links
    WHERE entity_id IN (SELECT entity_id FROM staging.changed_entities)
    GROUP BY entity_id
)
SELECT
    e.entity_id,
    e.canonical_name,
    e.entity_type,
    len(e.surface_forms) AS surface_form_count,
    e.document_count,
    e.mention_count,
    CASE WHEN (SELECT incremental FROM staging.mode) AND e.document_count > coalesce(d.staged_documents, 0)
         THEN [] ELSE coalesce(d.doc_ids, []) END AS doc_ids
FROM staging.entities AS e
LEFT JOIN documents_of AS d USING (entity_id)
WHERE e.entity_id IN (SELECT entity_id FROM staging.changed_entities);
