-- Staging copy of the stored table's committed rows, checked by expectations/ingest_errors.json before publishing.
CREATE OR REPLACE TABLE staging.ingest_errors AS
SELECT * FROM stored_rows;
