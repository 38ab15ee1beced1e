-- A publish built whole, or a republished runs table: no keyed rows to copy to the other published
-- file (after a full build both files hold the same publish; see sql/publish/changes.sql).
CREATE OR REPLACE TABLE publish_state.changed_documents (doc_id VARCHAR);
CREATE OR REPLACE TABLE publish_state.changed_stories (story_id VARCHAR);
CREATE OR REPLACE TABLE publish_state.changed_entities (entity_id VARCHAR);
