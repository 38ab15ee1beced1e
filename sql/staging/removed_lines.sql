-- Staging copy of the stored table's committed rows, checked by expectations/removed_lines.json before publishing.
CREATE OR REPLACE TABLE staging.removed_lines AS
SELECT * FROM stored_rows;
