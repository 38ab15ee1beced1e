-- Staging copy of the stored table's committed rows, checked by expectations/documents.json before publishing.
CREATE OR REPLACE TABLE staging.documents AS
SELECT * FROM stored_rows;
