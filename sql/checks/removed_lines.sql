-- Batch for expectations/removed_lines.json.
SELECT
    r.doc_id || ':' || r.line_no AS line_key,
    r.doc_id,
    r.line_no,
    r.text,
    r.rule,
    r.score,
    d.doc_id IS NOT NULL AS document_exists
FROM staging.removed_lines AS r
LEFT JOIN staging.documents AS d USING (doc_id);
