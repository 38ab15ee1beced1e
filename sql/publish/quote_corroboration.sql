-- A quote is corroborated when another document of the same story carries the same words (one contains
-- the other, or they are near-identical), whatever the quotation marks and punctuation.
CREATE OR REPLACE TABLE main.quote_corroboration AS
WITH q AS (
    SELECT
        q.quote_id,
        q.doc_id,
        d.story_id,
        d.outlet,
        q.text,
        q.speaker_name,
        trim(regexp_replace(lower(q.text), '[^[:alnum:]]+', ' ', 'g')) AS words
    FROM main.quotes AS q  -- with its speaker's name
    JOIN main.documents AS d USING (doc_id)
),
pairs AS (
    SELECT a.quote_id, b.doc_id AS other_doc_id, b.outlet AS other_outlet, b.speaker_name AS other_speaker
    FROM q AS a
    JOIN q AS b ON a.story_id = b.story_id AND a.doc_id <> b.doc_id
    WHERE length(a.words) >= 20 AND length(b.words) >= 20
      AND (contains(a.words, b.words) OR contains(b.words, a.words) OR jaro_winkler_similarity(a.words, b.words) >= 0.95)
)
SELECT
    q.quote_id,
    q.story_id,
    q.doc_id,
    q.outlet,
    q.speaker_name,
    q.text,
    count(DISTINCT p.other_doc_id) + 1 AS n_sources,
    list(DISTINCT p.other_doc_id ORDER BY p.other_doc_id) AS other_doc_ids,
    list(DISTINCT p.other_outlet ORDER BY p.other_outlet) AS other_outlets,
    list(DISTINCT p.other_speaker ORDER BY p.other_speaker) FILTER (WHERE p.other_speaker IS NOT NULL) AS other_speakers
FROM q
JOIN pairs AS p USING (quote_id)
GROUP BY q.quote_id, q.story_id, q.doc_id, q.outlet, q.speaker_name, q.text
ORDER BY n_sources DESC, q.speaker_name, q.doc_id;
