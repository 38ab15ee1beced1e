-- Staging copy of the stored Parquet dataset, checked by expectations/ingest_errors.json before publishing.
CREATE OR REPLACE TABLE staging.ingest_errors AS
SELECT * FROM read_parquet($files);
