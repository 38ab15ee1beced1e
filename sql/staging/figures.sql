-- Staging copy of the stored table's committed rows, checked by expectations/figures.json before publishing.
CREATE OR REPLACE TABLE staging.figures AS
SELECT * FROM stored_rows;
