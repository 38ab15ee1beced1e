-- One row per run of the flow, from the run records (rows registered by the run): only the run
-- that built these tables is 'published'; earlier runs that published are 'superseded'.
CREATE OR REPLACE TABLE main.runs AS
SELECT
    run_id,
    started,
    finished,
    CASE
        WHEN status = 'published' AND run_id <> (SELECT max(run_id) FROM run_rows WHERE status = 'published')
            THEN 'superseded'
        ELSE status
    END AS status,
    documents_new,
    documents_skipped,
    documents_quarantined,
    documents_superseded,
    documents_removed,
    why
FROM run_rows
ORDER BY run_id;
