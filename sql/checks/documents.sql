-- Batch for expectations/documents.json: each staged document with its kept and removed shares.
WITH removed AS (
    SELECT doc_id, count(*) AS removed_line_count
    FROM staging.removed_lines
    WHERE rule NOT IN ('title', 'published_date')
    GROUP BY doc_id
)
SELECT
    d.doc_id,
    d.source_path,
    d.format,
    d.charset,
    d.language,
    year(d.published_date) AS published_year,
    d.word_count,
    length(d.body_text) AS body_chars,
    coalesce(r.removed_line_count, 0) / greatest(coalesce(r.removed_line_count, 0) + d.body_line_count, 1)
        AS removed_share
FROM staging.documents AS d
LEFT JOIN removed AS r USING (doc_id);
