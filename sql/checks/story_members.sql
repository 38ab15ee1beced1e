-- Batch for expectations/story_members.json: every staged document with the story it was given, and
-- what says why (the member it matched, the similarity, the days between them).
SELECT d.doc_id, s.story_id, s.doc_id IS NOT NULL AS assigned,
       s.matched_doc_id, s.match_score, s.days_apart,
       -- a match names another document and says how alike the two are; no match, no score
       (s.matched_doc_id IS NULL) = (s.match_score IS NULL) AND s.matched_doc_id IS DISTINCT FROM s.doc_id
           AS match_explained,
       -- a document that follows up an earlier story matched a report of that story, not of its own
       s.related_story_id IS NULL OR (s.matched_doc_id IS NOT NULL AND s.related_story_id <> s.story_id)
           AS follow_up_explained
FROM staging.documents AS d
LEFT JOIN staging.story_members AS s USING (doc_id);
