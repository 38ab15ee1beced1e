-- The same counted thing (kind of figure + class of what is counted) as each source reports it,
-- side by side: one row per figure, with how many sources report the fact and whether their
-- headline numbers differ.
CREATE OR REPLACE TABLE main.figure_comparison AS
WITH linked AS (
    SELECT
        f.*,
        CASE f.kind WHEN 'died' THEN 'killed' ELSE f.kind END AS fact_kind,
        coalesce(f.counted_class, 'unspecified') AS fact_class,
        e.canonical_name AS claimant_name,
        coalesce(d.site_name, regexp_extract(d.source_path, '[^/]+$')) AS source
    FROM staging.figures AS f
    JOIN staging.documents AS d USING (doc_id)
    LEFT JOIN staging.entity_links AS l ON l.doc_id = f.doc_id AND l.local_key = f.claimant_key
    LEFT JOIN staging.entities AS e ON e.entity_id = l.entity_id
    WHERE f.kind IN ('killed', 'died', 'wounded', 'displaced', 'evacuated', 'destroyed', 'detained', 'missing',
                     'infected', 'laid_off')
)
SELECT
    fact_kind || ' ' || fact_class AS fact,
    fact_kind AS kind,
    fact_class AS counted_class,
    doc_id,
    source,
    figure_id,
    value,
    qualifier,
    CASE qualifier
        WHEN 'more_than' THEN '>'
        WHEN 'at_least' THEN '>='
        WHEN 'about' THEN '~'
        WHEN 'up_to' THEN '<='
        ELSE ''
    END || coalesce(
        CASE WHEN value = floor(value) THEN CAST(CAST(value AS BIGINT) AS VARCHAR) ELSE CAST(value AS VARCHAR) END,
        value_text
    ) AS value_display,
    counted,
    claimant_name,
    sentence,
    count(DISTINCT doc_id) OVER (PARTITION BY fact_kind, fact_class) AS n_sources,
    count(DISTINCT value) OVER (PARTITION BY fact_kind, fact_class) > 1 AS disagreement,
    min(value) OVER (PARTITION BY fact_kind, fact_class) AS min_value,
    max(value) OVER (PARTITION BY fact_kind, fact_class) AS max_value
FROM linked
ORDER BY n_sources DESC, fact, source;
