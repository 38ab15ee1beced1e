-- Staging copy of the stored story assignments (newsfacts.stories): one row per document.
CREATE OR REPLACE TABLE staging.story_members AS
SELECT * FROM stored_rows;
