-- The same fact as each outlet reports it, side by side, within one story (documents reporting one
-- event). A fact is a kind of figure + class of what is counted, at a place and a time when the text
-- states them: the place is one the figure's sentence locates things in ("in X", "near X"), nearest to
-- the number; the time is the figure's event_date, and the years its sentence names other than the
-- year of publication ("584 deaths from 2010 to 2015" is history, not this event's toll). Figures of
-- different places or times are different facts. One row per figure, with how many outlets report the
-- fact and whether their numbers differ.
CREATE OR REPLACE TABLE main.figure_comparison AS
WITH casualty AS (
    SELECT
        f.*,
        d.story_id,
        d.outlet,
        d.body_text,
        nullif(array_to_string(list_sort(list_distinct(list_filter(
            regexp_extract_all(f.sentence, '\b(?:19|20)\d{2}\b'),
            lambda y: d.published_date IS NULL OR CAST(y AS INTEGER) <> year(d.published_date)))), '-'), '') AS period,
        -- where the sentence starts in the body: its first occurrence from one sentence-length before the number
        greatest(f.char_start - length(f.sentence), 0) AS search_from
    FROM main.figures AS f  -- with its claimant's name
    JOIN main.documents AS d USING (doc_id)
    WHERE f.kind IN ('killed', 'died', 'wounded', 'displaced', 'evacuated', 'destroyed', 'detained', 'missing',
                     'infected', 'laid_off')
),
spans AS (
    SELECT
        * EXCLUDE (search_from),
        CASE WHEN strpos(substr(body_text, search_from + 1), sentence) > 0
             THEN search_from + strpos(substr(body_text, search_from + 1), sentence) - 1
             ELSE search_from END AS sentence_start
    FROM casualty
),
located AS (
    SELECT
        s.figure_id,
        arg_min(m.canonical_name, abs(m.char_start - s.char_start)) AS place
    FROM spans AS s
    JOIN main.entity_mentions AS m
      ON m.doc_id = s.doc_id
     AND m.label IN ('GPE', 'LOC')
     AND m.char_start >= s.sentence_start
     AND m.char_end <= s.sentence_start + length(s.sentence)
     AND regexp_matches(substr(s.body_text, greatest(m.char_start - 11, 1), least(m.char_start, 12)),
                        '(?i)\b(in|near|at|outside|across|around|inside)\s+(the\s+)?$')
    GROUP BY s.figure_id
),
linked AS (
    SELECT
        s.* EXCLUDE (body_text, sentence_start),
        CASE s.kind WHEN 'died' THEN 'killed' ELSE s.kind END AS fact_kind,
        coalesce(s.counted_class, 'unspecified') AS fact_class,
        l.place
    FROM spans AS s
    LEFT JOIN located AS l USING (figure_id)
),
keyed AS (
    SELECT
        *,
        fact_kind || ' ' || fact_class AS fact,
        concat_ws(' | ', story_id, fact_kind || ' ' || fact_class, coalesce(place, '-'),
                  coalesce(CAST(event_date AS VARCHAR), '-'), coalesce(period, '-')) AS fact_key
    FROM linked
)
SELECT
    story_id,
    fact,
    fact_key,
    fact_kind AS kind,
    fact_class AS counted_class,
    place,
    event_date,
    period,
    doc_id,
    outlet,
    outlet AS source,
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
    claimant_text,
    sentence,
    count(DISTINCT doc_id) OVER (PARTITION BY fact_key) AS n_sources,
    count(DISTINCT outlet) OVER (PARTITION BY fact_key) AS n_outlets,
    count(DISTINCT value) OVER (PARTITION BY fact_key) > 1 AS disagreement,
    min(value) OVER (PARTITION BY fact_key) AS min_value,
    max(value) OVER (PARTITION BY fact_key) AS max_value
FROM keyed
ORDER BY n_sources DESC, story_id, fact, place NULLS FIRST, event_date NULLS FIRST, period NULLS FIRST, outlet;
