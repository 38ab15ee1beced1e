-- Staging copy of the stored Parquet dataset, checked by expectations/entity_mentions.json before publishing.
CREATE OR REPLACE TABLE staging.entity_mentions AS
SELECT * FROM read_parquet($files);
