-- Documents taken out of the published tables: their raw file was edited (superseded) or is gone (removed).
CREATE OR REPLACE TABLE main.withdrawn_documents AS
SELECT source_path, doc_id, reason, replaced_by, document_run_id, run_id, withdrawn_at
FROM staging.withdrawn_documents
ORDER BY withdrawn_at, source_path;
