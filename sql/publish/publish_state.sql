-- Not a published table: per entity, how many links of published documents it has and a sum of their
-- hashes (doc_id, local_key), kept in the published file (schema publish_state) so that the next
-- incremental run finds the entities whose links changed without comparing every link
-- (sql/staging/scope.sql). A full build writes it whole; an incremental publish rewrites the rows of
-- the entities its changes touch (staging.digest_entities), from every stored link of theirs.
CREATE SCHEMA IF NOT EXISTS publish_state;

CREATE TABLE IF NOT EXISTS publish_state.entity_links (entity_id VARCHAR, links BIGINT, link_hash HUGEINT);

DELETE FROM publish_state.entity_links WHERE entity_id IN (SELECT entity_id FROM staging.digest_entities);

INSERT INTO publish_state.entity_links
SELECT entity_id, count(*) AS links, sum(hash(doc_id, local_key)::HUGEINT) AS link_hash
FROM staging.all_entity_links
WHERE entity_id IN (SELECT entity_id FROM staging.digest_entities)
  AND doc_id NOT IN (SELECT doc_id FROM staging.quarantine)
GROUP BY entity_id;
