-- Staging copy of the stored Parquet dataset, checked by expectations/documents.json before publishing.
CREATE OR REPLACE TABLE staging.documents AS
SELECT * FROM read_parquet($files, union_by_name = true);
