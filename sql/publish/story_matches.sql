-- One row per published document: why it is in its story (newsfacts.stories). `relation` says how:
-- `first` (it started the story), `same_event` (it matched `matched_doc_id`, an earlier member of its story,
-- or, for a story's first report that a later one joined to another, that later one) or `follow_up` (it
-- started a story that follows up the event of `matched_doc_id`'s story, `related_story_id`, weeks later).
-- `score` is the rarity-weighted similarity of the two, `shared_names` and `shared_words` what both say
-- (rarest first), `days_apart` the days between them (null when either is undated).
CREATE OR REPLACE TABLE main.story_matches AS
SELECT
    s.story_id,
    s.doc_id,
    d.outlet,
    d.title,
    d.published_date,
    CASE WHEN s.matched_doc_id IS NULL THEN 'first'
         WHEN s.related_story_id IS NOT NULL THEN 'follow_up'
         ELSE 'same_event' END AS relation,
    s.matched_doc_id,
    m.outlet AS matched_outlet,
    m.title AS matched_title,
    s.related_story_id,
    s.match_score AS score,
    coalesce(s.shared_names, []) AS shared_names,
    coalesce(s.shared_words, []) AS shared_words,
    s.days_apart
FROM staging.story_members AS s
-- every published document, also in an incremental publish (not its scoped view): a follow-up's
-- matched report belongs to an earlier story that may lie outside the run's scope
JOIN (SELECT doc_id, outlet, title, published_date FROM main.documents) AS d USING (doc_id)
LEFT JOIN (SELECT doc_id, outlet, title FROM main.documents) AS m ON m.doc_id = s.matched_doc_id
ORDER BY s.story_id, d.published_date NULLS LAST, s.doc_id;
