CREATE OR REPLACE TABLE main.entities AS
SELECT entity_id, canonical_name, entity_type, surface_forms, document_count, mention_count
FROM staging.entities
ORDER BY document_count DESC, mention_count DESC, canonical_name;
