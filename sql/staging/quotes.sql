-- Staging copy of the stored table's committed rows, checked by expectations/quotes.json before publishing.
CREATE OR REPLACE TABLE staging.quotes AS
SELECT * FROM stored_rows;
