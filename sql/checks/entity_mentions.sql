-- Batch for expectations/entity_mentions.json: does each span point at its own text, and is it linked?
SELECT
    m.mention_id,
    m.doc_id,
    m.label,
    m.char_start,
    m.char_end,
    l.entity_id,
    m.char_end <= length(d.body_text) AND m.char_start < m.char_end AS span_inside_text,
    substring(d.body_text, m.char_start + 1, m.char_end - m.char_start) = m.text AS span_matches_text
FROM staging.entity_mentions AS m
LEFT JOIN staging.documents AS d USING (doc_id)
LEFT JOIN staging.entity_links AS l USING (doc_id, local_key);
