-- Batch for expectations/ingest_errors.json.
SELECT source_path, doc_id, reason, detail, size_bytes
FROM staging.ingest_errors;
