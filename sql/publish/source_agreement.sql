-- Who agrees with whom: every pair of outlets' documents reporting the same fact of one story (same
-- kind, class, place and date: figure_comparison.fact_key), compared as ranges.
-- A figure's range follows its qualifier: "at least"/"more than" N have no upper bound and start at N
-- (outlets write "more than 70" and "70" for one official count, so they are compatible, not a
-- contradiction), "about" allows 10% either way, "up to" N is 0..N. Overlapping ranges are
-- compatible, disjoint ranges contradict; the same value and qualifier agree.
CREATE OR REPLACE TABLE main.source_agreement AS
WITH ranged AS (
    SELECT
        story_id,
        fact,
        fact_key,
        place,
        event_date,
        doc_id,
        source,
        figure_id,
        value,
        qualifier,
        value_display,
        claimant_name,
        CASE qualifier
            WHEN 'exact' THEN value
            WHEN 'at_least' THEN value
            WHEN 'more_than' THEN value
            WHEN 'about' THEN value * 0.9
            WHEN 'up_to' THEN 0
        END AS range_low,
        CASE qualifier
            WHEN 'exact' THEN value
            WHEN 'about' THEN value * 1.1
            WHEN 'up_to' THEN value
            ELSE 'Infinity'::DOUBLE
        END AS range_high
    FROM main.figure_comparison
    WHERE value IS NOT NULL AND qualifier <> 'vague'
)
SELECT
    a.story_id,
    a.fact,
    a.place,
    a.event_date,
    a.source AS outlet_a,
    b.source AS outlet_b,
    a.source AS source_a,
    a.value_display AS value_a,
    a.claimant_name AS claimant_a,
    b.source AS source_b,
    b.value_display AS value_b,
    b.claimant_name AS claimant_b,
    CASE
        WHEN a.value = b.value AND a.qualifier = b.qualifier THEN 'agree'
        WHEN a.range_low <= b.range_high AND b.range_low <= a.range_high THEN 'compatible'
        ELSE 'contradict'
    END AS relation,
    a.doc_id AS doc_id_a,
    b.doc_id AS doc_id_b,
    a.figure_id AS figure_id_a,
    b.figure_id AS figure_id_b
FROM ranged AS a
JOIN ranged AS b ON a.fact_key = b.fact_key AND a.doc_id < b.doc_id
ORDER BY a.story_id, a.fact, a.place NULLS FIRST, relation, source_a, source_b;
