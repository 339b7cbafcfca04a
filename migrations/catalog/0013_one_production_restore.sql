-- One production restore at a time, whatever its stage: a constraint, not a check before the insert (two requests
-- at once could both pass a check). A second insert fails with a UNIQUE error, answered 409.
CREATE UNIQUE INDEX one_production_restore ON restores (target_binding)
  WHERE target_binding = 'production' AND status IN ('initiated', 'awaiting_approval', 'running');
