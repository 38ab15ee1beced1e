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
    -- (documents stored before outlets were recorded: their site name, else their file name)
    coalesce(outlet, site_name, regexp_extract(source_path, '([^/]+?)(\.[^./]*)?$', 1)) AS outlet,
    story_id,
    language,
    body_text,
    raw_line_count,
    body_line_count,
    word_count,
    run_id,
    ingested_at
FROM staging.documents
LEFT JOIN (SELECT doc_id, story_id FROM staging.story_members) AS s USING (doc_id);
