-- Builds of the workflow code (Worker Versioning): each build's bundle is kept while runs pinned to it
-- may still be open, so any worker process can serve them after an upgrade (docs/upgrades.md).
CREATE TABLE workflow_builds (
  deployment_name text NOT NULL,
  build_id text NOT NULL,
  -- The bundled workflow code; emptied once the build is retired (no run of it can still be open).
  bundle text,
  source_commit text,
  -- Set for the build made from the last release before Worker Versioning: runs started without a
  -- version are pinned to it.
  adopts_unversioned boolean NOT NULL DEFAULT false,
  registered_at timestamptz NOT NULL DEFAULT now(),
  current_since timestamptz,
  superseded_at timestamptz,
  retired_at timestamptz,
  PRIMARY KEY (deployment_name, build_id),
  CONSTRAINT retired_builds_have_no_bundle CHECK (retired_at IS NULL OR bundle IS NULL),
  CONSTRAINT live_builds_have_a_bundle CHECK (retired_at IS NOT NULL OR bundle IS NOT NULL)
);
