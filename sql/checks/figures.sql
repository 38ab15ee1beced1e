-- Batch for expectations/figures.json.
SELECT
    f.figure_id,
    f.doc_id,
    f.value,
    f.value_low,
    f.value_high,
    f.qualifier,
    f.kind,
    f.value IS NULL OR f.value_low IS NULL OR f.value_high IS NULL
        OR (f.value_low <= f.value AND f.value <= f.value_high) AS value_inside_range,
    f.char_end <= length(d.body_text) AND f.char_start < f.char_end AS span_inside_text,
    contains(f.sentence, substring(d.body_text, f.char_start + 1, f.char_end - f.char_start)) AS span_inside_sentence,
    f.claimant_key IS NULL OR l.entity_id IS NOT NULL AS claimant_linked
FROM staging.figures AS f
LEFT JOIN staging.documents AS d USING (doc_id)
LEFT JOIN staging.entity_links AS l ON l.doc_id = f.doc_id AND l.local_key = f.claimant_key;
