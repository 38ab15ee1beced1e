-- Staging copy of the stored Parquet dataset, checked by expectations/quotes.json before publishing.
CREATE OR REPLACE TABLE staging.quotes AS
SELECT * FROM read_parquet($files);
