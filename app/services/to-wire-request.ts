import type { ApprovalRequest } from '../../sdk/schemas.js';
import type { RequestRecord } from '../ports/store.js';

/** The wire object: the stored record without internal fields (API answers, webhook payloads). */
export function toWireRequest({ ownerId: _owner, ...request }: RequestRecord): ApprovalRequest {
  return request;
}
