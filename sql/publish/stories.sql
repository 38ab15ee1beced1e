-- One row per story: documents that report the same news event (newsfacts.stories), with the outlets
-- that carry it and when. The title is that of the story's first document. Why each document is in its
-- story: main.story_matches.
-- (Read from the published documents and their story_matches rows, so a document kept out of them is kept
-- out of its story, and an incremental publish rebuilds a story from what is published of it.)
CREATE OR REPLACE TABLE main.stories AS
SELECT
    s.story_id,
    arg_min(d.title, (coalesce(d.published_date, DATE '9999-12-31'), d.doc_id)) AS title,
    count(*) AS documents,
    count(DISTINCT d.outlet) AS outlets,
    list(DISTINCT d.outlet ORDER BY d.outlet) AS outlet_names,
    min(d.published_date) AS first_published,
    max(d.published_date) AS last_published,
    list(d.doc_id ORDER BY d.published_date NULLS LAST, d.doc_id) AS doc_ids,
    -- the earlier story this one follows up (a trial after a shooting), named by its first report
    any_value(s.related_story_id) FILTER (WHERE s.related_story_id IS NOT NULL) AS follows_story_id
FROM main.story_matches AS s
JOIN main.documents AS d USING (doc_id)
GROUP BY s.story_id
ORDER BY documents DESC, outlets DESC, first_published DESC NULLS LAST, s.story_id;
