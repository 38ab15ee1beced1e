CREATE OR REPLACE TABLE main.removed_lines AS
SELECT doc_id, line_no, text, rule, score
FROM staging.removed_lines
ORDER BY doc_id, line_no;
