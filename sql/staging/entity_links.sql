-- Staging copy of the stored table's committed rows, checked by expectations/entity_links.json before publishing.
CREATE OR REPLACE TABLE staging.entity_links AS
SELECT * FROM stored_rows;
