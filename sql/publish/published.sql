-- Not a published table: which publish this file holds. Each publish (and each republished runs table)
-- gets a new publish_id; base_publish_id is the publish the file held before it (NULL: built whole).
-- With publish_state.changed_* (sql/publish/changes.sql), it lets the next run bring the other
-- published file, which holds the base publish, up to date with this one by copying only the rows this
-- publish changed (warehouse.catch_up), instead of copying the whole file.
CREATE SCHEMA IF NOT EXISTS publish_state;

CREATE OR REPLACE TABLE publish_state.published AS
SELECT $publish_id::VARCHAR AS publish_id, $base::VARCHAR AS base_publish_id, current_timestamp AS published_at;
