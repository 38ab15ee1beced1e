-- The digest of published links per entity (see sql/publish/publish_state.sql), made from the published
-- mentions when the published file was written before it was kept (once).
CREATE SCHEMA IF NOT EXISTS publish_state;

CREATE TABLE IF NOT EXISTS publish_state.entity_links AS
SELECT entity_id, count(*) AS links, sum(hash(doc_id, local_key)::HUGEINT) AS link_hash
FROM (SELECT DISTINCT doc_id, local_key, entity_id FROM main.entity_mentions WHERE entity_id IS NOT NULL)
GROUP BY entity_id;
