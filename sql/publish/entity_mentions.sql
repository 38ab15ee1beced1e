CREATE OR REPLACE TABLE main.entity_mentions AS
SELECT
    m.mention_id,
    m.doc_id,
    m.text,
    m.label,
    m.char_start,
    m.char_end,
    m.local_key,
    l.entity_id,
    e.canonical_name,
    e.entity_type
FROM staging.entity_mentions AS m
LEFT JOIN staging.entity_links AS l USING (doc_id, local_key)
LEFT JOIN staging.entities AS e USING (entity_id);
