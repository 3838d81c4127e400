/** Moved to `../store-values.ts`, shared with the in-memory store; kept so imports stay stable. */
export { newAuditId, newStoreId } from '../store-values.js';
