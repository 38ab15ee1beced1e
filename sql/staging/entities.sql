-- Staging copy of the stored table's committed rows, checked by expectations/entities.json before publishing.
CREATE OR REPLACE TABLE staging.entities AS
SELECT * FROM stored_rows;
