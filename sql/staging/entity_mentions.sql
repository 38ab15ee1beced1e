-- Staging copy of the stored table's committed rows, checked by expectations/entity_mentions.json before publishing.
CREATE OR REPLACE TABLE staging.entity_mentions AS
SELECT * FROM stored_rows;
