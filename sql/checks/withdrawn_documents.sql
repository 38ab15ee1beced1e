-- Batch for expectations/withdrawn_documents.json: each document is withdrawn once, and is gone from staging.
SELECT
    w.doc_id || ':' || w.document_run_id AS withdrawal_key,
    w.source_path,
    w.reason,
    d.doc_id IS NOT NULL AS still_staged
FROM staging.withdrawn_documents AS w
LEFT JOIN staging.documents AS d ON d.doc_id = w.doc_id AND d.run_id = w.document_run_id;
