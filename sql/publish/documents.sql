CREATE OR REPLACE TABLE main.documents AS
SELECT
    doc_id,
    source_path,
    regexp_extract(source_path, '[^/]+$') AS file_name,
    format,
    charset,
    size_bytes,
    title,
    published_date,
    published_text,
    url,
    site_name,
    language,
    body_text,
    raw_line_count,
    body_line_count,
    word_count,
    run_id,
    ingested_at
FROM staging.documents;
