-- Staging copy of the stored Parquet dataset, checked by expectations/entities.json before publishing.
CREATE OR REPLACE TABLE staging.entities AS
SELECT * FROM read_parquet($files);
