-- The documents this run quarantines (rows registered by the run as quarantine_rows), and their rows
-- taken out of the staged tables, so that no published table, nor any summary built from them, holds them.
CREATE OR REPLACE TABLE staging.quarantine AS
SELECT * FROM quarantine_rows;

DELETE FROM staging.documents WHERE doc_id IN (SELECT doc_id FROM staging.quarantine);
DELETE FROM staging.removed_lines WHERE doc_id IN (SELECT doc_id FROM staging.quarantine);
DELETE FROM staging.entity_mentions WHERE doc_id IN (SELECT doc_id FROM staging.quarantine);
DELETE FROM staging.figures WHERE doc_id IN (SELECT doc_id FROM staging.quarantine);
DELETE FROM staging.quotes WHERE doc_id IN (SELECT doc_id FROM staging.quarantine);
DELETE FROM staging.entity_links WHERE doc_id IN (SELECT doc_id FROM staging.quarantine);
