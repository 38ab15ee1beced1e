-- An incremental publish: the keys of every published row it deleted, inserted or updated (by document,
-- story and entity), read by the next run to bring the other published file up to date
-- (warehouse.catch_up); the tables without these keys are small and copied whole.
--   documents: replaced (new, moved, gone), quarantined, and those whose mentions were relinked in place
--   stories: rebuilt; entities: replaced, dropped, and those whose digest of links was rewritten
CREATE OR REPLACE TABLE publish_state.changed_documents AS
SELECT doc_id FROM staging.replaced_docs
UNION SELECT doc_id FROM staging.quarantine
UNION SELECT doc_id FROM staging.scope
UNION SELECT doc_id FROM staging.relinks;

CREATE OR REPLACE TABLE publish_state.changed_stories AS
SELECT story_id FROM staging.scope_stories;

CREATE OR REPLACE TABLE publish_state.changed_entities AS
SELECT entity_id FROM staging.changed_entities
UNION SELECT entity_id FROM staging.dropped_entities
UNION SELECT entity_id FROM staging.digest_entities;
