/**
 * Ids of requests, keys and other records: a time prefix and 80 random bits, drawn from a pool of
 * random bytes filled 4 KB at a time (one call into the CSPRNG per 256 ids instead of one per id,
 * which was a visible share of a create's CPU). The pool is as random as `randomBytes`; each byte
 * is used once.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

const POOL = new Uint8Array(4096);
let used = POOL.length;

function base32Random(count: number): string {
  if (used + count > POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  let out = '';
  for (let i = used; i < used + count; i += 1) out += ALPHABET[(POOL[i] as number) & 31];
  used += count;
  return out;
}

/**
 * A new id such as `req_01jb4x7k2m9q3tz8v6w5y4c2n1`: a time prefix (so ids sort roughly by creation)
 * and 80 random bits (so they cannot be guessed).
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i += 1) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${base32Random(16)}`;
}
