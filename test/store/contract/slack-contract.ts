import { describe, expect, it } from 'vitest';
import type { Store } from '../../../app/ports/store.js';
import { aRequestRecord, at } from '../builders.js';

export function describeSlackContract(current: () => Store): void {
  describe('slack message refs', () => {
    it('remembers one message per request and channel, oldest first; a second save keeps the first', async () => {
      const request = aRequestRecord();
      await current().insertRequest(request, []);
      const reflected = [
        { requestId: request.id, eventType: 'reflected', actor: 'slack', details: {}, createdAt: at(1) },
      ];
      const ops = {
        requestId: request.id,
        channel: '#ops',
        channelId: 'C0OPS',
        ts: '1700000000.000100',
        createdAt: at(1),
      };
      await current().saveSlackMessage(ops, reflected);
      await current().saveSlackMessage({ ...ops, ts: '1700000000.999999', createdAt: at(3) }, reflected);
      await current().saveSlackMessage(
        {
          requestId: request.id,
          channel: '#payments',
          channelId: 'C0PAY',
          ts: '1700000001.000200',
          createdAt: at(2),
        },
        reflected,
      );
      expect(await current().listSlackMessages(request.id)).toEqual([
        ops,
        {
          requestId: request.id,
          channel: '#payments',
          channelId: 'C0PAY',
          ts: '1700000001.000200',
          createdAt: at(2),
        },
      ]);
      expect(await current().listSlackMessages('req_other')).toEqual([]);
      // Only the saves that stored something are in the audit trail.
      expect(await current().listAudit({ requestId: request.id, limit: 10, offset: 0 })).toHaveLength(2);
    });
  });
}
