-- Batch for expectations/quotes.json.
SELECT
    q.quote_id,
    q.doc_id,
    q.is_partial,
    length(q.text) AS text_chars,
    q.char_end <= length(d.body_text) AND q.char_start < q.char_end AS span_inside_text,
    substring(d.body_text, q.char_start + 1, q.char_end - q.char_start) = q.text AS span_matches_text,
    q.speaker_key IS NULL OR l.entity_id IS NOT NULL AS speaker_linked
FROM staging.quotes AS q
LEFT JOIN staging.documents AS d USING (doc_id)
LEFT JOIN staging.entity_links AS l ON l.doc_id = q.doc_id AND l.local_key = q.speaker_key;
