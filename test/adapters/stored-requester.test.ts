/**
 * Requests stored before the verified GitHub Actions facts existed (DESIGN §11) read back with the
 * full requester shape: the PR of their ref, their workflow as workflowRef, null for the rest.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../app/adapters/sqlite/sqlite-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { anActionsRequester, aRequestRecord } from '../store/builders.js';

const tempDir = useTempDir('agentgate-requester-');

/** The requester as the server stored it before `workflowRef`, `event`, … were recorded. */
const OLD_ACTIONS = {
  type: 'github_actions',
  repository: 'acme/payments',
  actor: 'octocat',
  workflow: 'acme/payments/.github/workflows/gate.yml@refs/pull/7/merge',
  runId: '123',
  sha: 'c'.repeat(40),
  ref: 'refs/pull/7/merge',
};

describe('a stored requester', () => {
  it('from before the verified facts reads back with them, as far as it knows them', async () => {
    const path = join(tempDir(), 'agentgate.db');
    const store = await openSqliteStore({ path });
    const old = aRequestRecord({ requester: anActionsRequester() });
    const key = aRequestRecord({ requester: { type: 'api_key', name: 'agent' } });
    await store.insertRequest(old, []);
    await store.insertRequest(key, []);
    await store.close();
    const db = new Database(path);
    db.prepare('UPDATE requests SET requester = ? WHERE id = ?').run(JSON.stringify(OLD_ACTIONS), old.id);
    db.close();

    const reopened = await openSqliteStore({ path });
    try {
      expect((await reopened.getRequest(old.id))?.requester).toEqual({
        ...OLD_ACTIONS,
        workflowRef: OLD_ACTIONS.workflow,
        jobWorkflowRef: null,
        event: null,
        environment: null,
        pullRequest: 7,
      });
      expect((await reopened.getRequest(key.id))?.requester).toEqual({ type: 'api_key', name: 'agent' });
    } finally {
      await reopened.close();
    }
  });
});
