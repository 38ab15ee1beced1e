-- Staging copy of the stored story assignments (newsfacts.stories): one row per document, with what the
-- checks and the published tables show of it (not the story index's features: words, names, MinHash,
-- the bulk of the file, which DuckDB then never reads).
CREATE OR REPLACE TABLE staging.story_members AS
SELECT doc_id, story_id, published_date, matched_doc_id, match_score, shared_names, shared_words, days_apart,
       related_story_id
FROM stored_rows;
