-- Staging copy of the stored table's committed rows, checked by expectations/withdrawn_documents.json before publishing.
CREATE OR REPLACE TABLE staging.withdrawn_documents AS
SELECT * FROM stored_rows;
