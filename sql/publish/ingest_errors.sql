CREATE OR REPLACE TABLE main.ingest_errors AS
SELECT source_path, doc_id, reason, detail, size_bytes, run_id, recorded_at
FROM staging.ingest_errors
ORDER BY source_path;
