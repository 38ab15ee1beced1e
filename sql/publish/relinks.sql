-- An incremental publish: the published mentions, claimants and speakers of kept documents whose entity
-- changed (another entity, or the same renamed: staging.relinks, by doc_id and local_key) updated in
-- place, and those documents' entity counts; their documents are not staged again.
UPDATE main.entity_mentions AS m
SET entity_id = r.entity_id, canonical_name = r.canonical_name, entity_type = r.entity_type
FROM (SELECT l.doc_id, l.local_key, l.entity_id, e.canonical_name, e.entity_type
      FROM staging.relinks AS l LEFT JOIN staging.entities AS e USING (entity_id)) AS r
WHERE m.doc_id = r.doc_id AND m.local_key = r.local_key;

UPDATE main.figures AS f
SET claimant_entity_id = r.entity_id, claimant_name = r.canonical_name
FROM (SELECT l.doc_id, l.local_key, l.entity_id, e.canonical_name
      FROM staging.relinks AS l LEFT JOIN staging.entities AS e USING (entity_id)) AS r
WHERE f.doc_id = r.doc_id AND f.claimant_key = r.local_key;

UPDATE main.quotes AS q
SET speaker_entity_id = r.entity_id, speaker_name = r.canonical_name
FROM (SELECT l.doc_id, l.local_key, l.entity_id, e.canonical_name
      FROM staging.relinks AS l LEFT JOIN staging.entities AS e USING (entity_id)) AS r
WHERE q.doc_id = r.doc_id AND q.speaker_key = r.local_key;

UPDATE main.source_profile AS p
SET entity_count = c.entity_count
FROM (SELECT doc_id, count(DISTINCT entity_id) AS entity_count FROM main.entity_mentions
      WHERE doc_id IN (SELECT doc_id FROM staging.relinks) GROUP BY doc_id) AS c
WHERE p.doc_id = c.doc_id;
