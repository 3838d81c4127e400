/**
 * `agentgate audit verify`: walks the whole audit trail page by page, checking the hash chain, and
 * compares what it found with the store's audit head, which catches what the chain cannot: entries
 * deleted from the end (or all of them).
 */
import {
  type AuditHeadView,
  checkAuditHead,
  GENESIS_HASH,
  verifyAuditChain,
} from '../approvals/audit-chain.js';
import type { Store } from '../ports/store.js';

export type AuditTrailVerdict =
  | { ok: true; checked: number; head: AuditHeadView }
  /** `entryId` names the first bad entry when the chain itself is broken. */
  | { ok: false; checked: number; problem: string; entryId?: string };

const PAGE = 1000;

export async function verifyAuditTrail(store: Store): Promise<AuditTrailVerdict> {
  const before = await store.getAuditHead();
  let prev = GENESIS_HASH;
  let checked = 0;
  let hashAtHead: string | null = before.count === 0 ? GENESIS_HASH : null;
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.listAudit({ limit: PAGE, offset });
    const result = verifyAuditChain(page, prev);
    if (!result.ok) {
      return {
        ok: false,
        checked: checked + result.checked,
        entryId: result.entryId,
        problem: result.problem,
      };
    }
    // The hash the head pointed at when the walk began, if this page holds that entry.
    const index = before.count - 1 - checked;
    if (index >= 0 && index < page.length) hashAtHead = page[index]?.hash ?? null;
    checked += result.checked;
    prev = result.lastHash;
    if (page.length < PAGE) break;
  }
  const after = await store.getAuditHead();
  const problem = checkAuditHead({ count: checked, lastHash: prev, hashAtHead }, before, after);
  return problem === null ? { ok: true, checked, head: after } : { ok: false, checked, problem };
}
