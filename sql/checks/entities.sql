-- Batch for expectations/entities.json.
SELECT entity_id, canonical_name, entity_type, len(surface_forms) AS surface_form_count, document_count, mention_count
FROM staging.entities;
