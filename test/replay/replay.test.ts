import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/env';

const HISTORIES = join(__dirname, 'histories');
const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort();

function histories() {
  return files.map((file) => ({ workflowId: file.replace(/\.json$/, ''), history: JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')) }));
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

describe('replaying recorded reservation histories', () => {
  test('the committed histories cover the main paths', () => {
    expect(files).toEqual(expect.arrayContaining(['paid-in-time.json', 'expired-unpaid.json', 'declined-three-times.json', 'extended-then-cancelled.json']));
  });

  test('the current workflow code replays every recorded history without a determinism error', async () => {
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories())) {
      results.push({ workflowId: result.workflowId, error: result.error?.message });
    }
    expect(results).toEqual(files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), error: undefined })));
  });

  test('a change that breaks determinism (a sleep before the hold) makes replay fail', async () => {
    const broken = await bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/nondeterministic-workflows'), logger: quiet });
    const [paid] = histories().filter((h) => h.workflowId === 'paid-in-time');
    await expect(Worker.runReplayHistory({ workflowBundle: broken }, paid!.history, paid!.workflowId)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
