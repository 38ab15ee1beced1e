"""Link stage: entity mentions of every document in, canonical entities out.

`rules` joins local entities across documents (one entity for every spelling of one referent),
`incremental` re-makes only the entities a run's new or withdrawn documents touch, `state` keeps what
the last link left in the store and links a warehouse from it. Plain functions over Arrow tables and
records; no Prefect.
"""
from __future__ import annotations

from newsfacts.link.rules import link_entities
from newsfacts.link.state import Linker, link_warehouse, read_link_state, write_link_state

__all__ = ["Linker", "link_entities", "link_warehouse", "read_link_state", "write_link_state"]
