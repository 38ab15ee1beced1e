CREATE OR REPLACE TABLE main.quotes AS
SELECT
    q.*,
    l.entity_id AS speaker_entity_id,
    e.canonical_name AS speaker_name
FROM staging.quotes AS q
LEFT JOIN staging.entity_links AS l ON l.doc_id = q.doc_id AND l.local_key = q.speaker_key
LEFT JOIN staging.entities AS e ON e.entity_id = l.entity_id;
