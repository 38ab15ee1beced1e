-- One row per document: how much of it was kept, and how many facts came out of it.
CREATE OR REPLACE TABLE main.source_profile AS
WITH removed AS (
    SELECT doc_id, count(*) AS removed_line_count
    FROM staging.removed_lines
    WHERE rule NOT IN ('title', 'published_date')
    GROUP BY doc_id
),
mentions AS (
    SELECT m.doc_id, count(*) AS entity_mention_count, count(DISTINCT l.entity_id) AS entity_count
    FROM staging.entity_mentions AS m
    LEFT JOIN staging.entity_links AS l USING (doc_id, local_key)
    GROUP BY m.doc_id
),
figure_counts AS (SELECT doc_id, count(*) AS figure_count FROM staging.figures GROUP BY doc_id),
quote_counts AS (SELECT doc_id, count(*) AS quote_count FROM staging.quotes GROUP BY doc_id)
SELECT
    d.doc_id,
    d.source_path,
    d.site_name,
    d.outlet,
    d.story_id,
    d.language,
    d.title,
    d.published_date,
    d.raw_line_count,
    d.body_line_count,
    coalesce(r.removed_line_count, 0) AS removed_line_count,
    coalesce(r.removed_line_count, 0) / greatest(coalesce(r.removed_line_count, 0) + d.body_line_count, 1)
        AS removed_share,
    d.word_count,
    coalesce(m.entity_mention_count, 0) AS entity_mention_count,
    coalesce(m.entity_count, 0) AS entity_count,
    coalesce(f.figure_count, 0) AS figure_count,
    coalesce(q.quote_count, 0) AS quote_count
FROM main.documents AS d
LEFT JOIN removed AS r USING (doc_id)
LEFT JOIN mentions AS m USING (doc_id)
LEFT JOIN figure_counts AS f USING (doc_id)
LEFT JOIN quote_counts AS q USING (doc_id)
ORDER BY d.source_path;
