CREATE OR REPLACE TABLE main.figures AS
SELECT
    f.*,
    l.entity_id AS claimant_entity_id,
    e.canonical_name AS claimant_name
FROM staging.figures AS f
LEFT JOIN staging.entity_links AS l ON l.doc_id = f.doc_id AND l.local_key = f.claimant_key
LEFT JOIN staging.entities AS e ON e.entity_id = l.entity_id;
