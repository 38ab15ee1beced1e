-- The expectation results of the run that published these tables (rows registered by the run).
CREATE OR REPLACE TABLE main.validation_results AS
SELECT * FROM validation_rows;
