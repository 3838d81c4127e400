import { describe, expect, it } from 'vitest';
import { PerKeyQueue } from '../../app/services/per-key-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('PerKeyQueue', () => {
  it('runs tasks of one key one at a time, in order, and other keys alongside', async () => {
    const queue = new PerKeyQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([
      queue.run('a', task('a1')),
      queue.run('a', task('a2')),
      queue.run('b', task('b1')),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a1:end')).toBeLessThan(log.indexOf('a2:start'));
    expect(log.indexOf('b1:start')).toBeLessThan(log.indexOf('a1:end'));
    expect(queue.size).toBe(0);
  });

  it('keeps going after a failed task', async () => {
    const queue = new PerKeyQueue();
    const failed = queue.run('a', async () => {
      throw new Error('boom');
    });
    const after = queue.run('a', async () => 'still runs');
    await expect(failed).rejects.toThrow('boom');
    await expect(after).resolves.toBe('still runs');
  });
});
