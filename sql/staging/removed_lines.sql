-- Staging copy of the stored Parquet dataset, checked by expectations/removed_lines.json before publishing.
CREATE OR REPLACE TABLE staging.removed_lines AS
SELECT * FROM read_parquet($files);
