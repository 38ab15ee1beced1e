-- Staging copy of the stored Parquet dataset, checked by expectations/figures.json before publishing.
CREATE OR REPLACE TABLE staging.figures AS
SELECT * FROM read_parquet($files);
