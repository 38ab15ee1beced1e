-- Batch for expectations/story_members.json: every staged document with the story it was given.
SELECT d.doc_id, s.story_id, s.doc_id IS NOT NULL AS assigned
FROM staging.documents AS d
LEFT JOIN staging.story_members AS s USING (doc_id);
