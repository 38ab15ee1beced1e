-- Staging copy of the stored Parquet dataset, checked by expectations/entity_links.json before publishing.
CREATE OR REPLACE TABLE staging.entity_links AS
SELECT * FROM read_parquet($files);
