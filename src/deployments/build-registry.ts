import type { Pool } from 'pg';

/**
 * The builds of the workflow code a deployment has run, with their bundles (table workflow_builds).
 * A build stays here, bundle and all, until no run pinned to it can still be open; then it is retired.
 */
export interface RegisteredBuild {
  buildId: string;
  bundle: string;
  sourceCommit: string | null;
  adoptsUnversioned: boolean;
  registeredAt: Date;
  currentSince: Date | null;
  supersededAt: Date | null;
}

export interface BuildSummary {
  buildId: string;
  sourceCommit: string | null;
  adoptsUnversioned: boolean;
  registeredAt: Date;
  currentSince: Date | null;
  supersededAt: Date | null;
  retiredAt: Date | null;
}

interface BuildRow {
  build_id: string;
  bundle: string;
  source_commit: string | null;
  adopts_unversioned: boolean;
  registered_at: Date;
  current_since: Date | null;
  superseded_at: Date | null;
  retired_at: Date | null;
}

const SUMMARY_COLUMNS = 'build_id, source_commit, adopts_unversioned, registered_at, current_since, superseded_at, retired_at';

function summary(row: Omit<BuildRow, 'bundle'>): BuildSummary {
  return {
    buildId: row.build_id,
    sourceCommit: row.source_commit,
    adoptsUnversioned: row.adopts_unversioned,
    registeredAt: row.registered_at,
    currentSince: row.current_since,
    supersededAt: row.superseded_at,
    retiredAt: row.retired_at,
  };
}

/** Keeps a build's bundle (again, if it had been retired: a rollback brings old code back). */
export async function registerBuild(
  pool: Pool,
  deploymentName: string,
  build: { buildId: string; code: string; sourceCommit?: string | null; adoptsUnversioned?: boolean },
): Promise<void> {
  await pool.query(
    `INSERT INTO workflow_builds (deployment_name, build_id, bundle, source_commit, adopts_unversioned)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (deployment_name, build_id) DO UPDATE
       SET bundle = EXCLUDED.bundle, retired_at = NULL, superseded_at = NULL,
           source_commit = COALESCE(workflow_builds.source_commit, EXCLUDED.source_commit)
     WHERE workflow_builds.retired_at IS NOT NULL`,
    [deploymentName, build.buildId, build.code, build.sourceCommit ?? null, build.adoptsUnversioned ?? false],
  );
}

/** Builds other than `except` whose runs may still be open: a worker serves them until they retire. */
export async function liveBuilds(pool: Pool, deploymentName: string, except?: string): Promise<RegisteredBuild[]> {
  const { rows } = await pool.query<BuildRow>(
    `SELECT build_id, bundle, source_commit, adopts_unversioned, registered_at, current_since, superseded_at, retired_at
       FROM workflow_builds
      WHERE deployment_name = $1 AND retired_at IS NULL AND build_id <> $2
      ORDER BY registered_at`,
    [deploymentName, except ?? ''],
  );
  return rows.map((row) => ({ ...summary(row), bundle: row.bundle }));
}

export async function listBuilds(pool: Pool, deploymentName: string): Promise<BuildSummary[]> {
  const { rows } = await pool.query<Omit<BuildRow, 'bundle'>>(
    `SELECT ${SUMMARY_COLUMNS} FROM workflow_builds WHERE deployment_name = $1 ORDER BY registered_at`,
    [deploymentName],
  );
  return rows.map(summary);
}

/** Records which build new runs now start on; the one before it starts draining. */
export async function markCurrent(pool: Pool, deploymentName: string, buildId: string): Promise<void> {
  await pool.query(
    `UPDATE workflow_builds
        SET current_since = CASE WHEN build_id = $2 THEN COALESCE(current_since, now()) ELSE current_since END,
            superseded_at = CASE WHEN build_id = $2 THEN NULL ELSE COALESCE(superseded_at, now()) END
      WHERE deployment_name = $1 AND retired_at IS NULL AND (build_id = $2 OR current_since IS NOT NULL)`,
    [deploymentName, buildId],
  );
}

/** The build's code leaves: no run of it can still be open. Returns whether this call retired it. */
export async function retireBuild(pool: Pool, deploymentName: string, buildId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE workflow_builds SET retired_at = now(), bundle = NULL
      WHERE deployment_name = $1 AND build_id = $2 AND retired_at IS NULL`,
    [deploymentName, buildId],
  );
  return rowCount === 1;
}
