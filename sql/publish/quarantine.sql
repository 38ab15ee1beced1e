-- Documents kept out of the published tables by this run, with the expectation each failed;
-- they are extracted again on the next run.
CREATE OR REPLACE TABLE main.quarantine AS
SELECT run_id, doc_id, source_path, table_name, expectation, detail
FROM staging.quarantine
ORDER BY source_path, table_name, expectation;
