-- After sql/staging/quarantine.sql, when it quarantines any document:
-- an entity only the quarantined documents name is not published either (all_entity_links: every stored
-- link, also where staging holds only the documents in scope)
DELETE FROM staging.entities WHERE entity_id NOT IN (
    SELECT entity_id FROM staging.all_entity_links WHERE doc_id NOT IN (SELECT doc_id FROM staging.quarantine));
