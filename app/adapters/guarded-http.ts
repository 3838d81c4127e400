/**
 * One HTTP POST to a URL someone else chose (a webhook receiver), safely: the host's addresses are
 * checked by `ssrf-guard.ts` inside the socket's own DNS lookup, so the address checked is the
 * address connected to (no window for DNS rebinding); literal IPs, which skip the lookup, are
 * checked before connecting; redirects are never followed; the whole attempt has a deadline.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { BlockedDestinationError } from '../ports/webhook-sender.js';
import { checkWebhookUrl, hostOf, judgeAddress } from './ssrf-guard.js';

export { BlockedDestinationError };

/** Resolves a name to every address (what `dns.lookup(name, {all: true})` does). */
export type Resolve = (hostname: string, options: LookupAllOptions) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname, options) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, options, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

export interface GuardedPostOptions {
  url: string;
  /** Default POST; PATCH edits what a POST made (a Discord webhook message). */
  method?: 'POST' | 'PATCH';
  headers: Record<string, string>;
  body: string;
  /** Deadline for the whole attempt: connect, send, and read the answer. */
  timeoutMs: number;
  allowPrivate: boolean;
  /** DNS, replaceable in tests. */
  resolve?: Resolve;
  /** How much of the answer to keep (default 1 KB, the delivery log's excerpt). */
  answerLimitBytes?: number;
}

export interface GuardedPostResult {
  status: number;
  /** The first `answerLimitBytes` (1 KB) of the answer, for the delivery log. */
  bodyExcerpt: string;
}

/** A `net` lookup that resolves every address of the name and fails if any of them is refused. */
function createGuardedLookup(allowPrivate: boolean, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : 0;
    resolve(hostname, { family, all: true, ...(options.hints !== undefined && { hints: options.hints }) })
      .then((addresses) => {
        if (addresses.length === 0) throw new Error(`${hostname} resolved to no address`);
        for (const { address } of addresses) {
          const verdict = judgeAddress(address, allowPrivate);
          if (!verdict?.allowed) {
            throw new BlockedDestinationError(
              `refused to connect to ${hostname}: ${verdict?.reason ?? `${address} is not an IP address`}`,
            );
          }
        }
        const first = addresses[0] as LookupAddress;
        if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        else callback(null, first.address, first.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}

/** POSTs `body` to `url` under the SSRF rules; resolves with any HTTP status, rejects on a refused or failed connection. */
export function guardedPost(options: GuardedPostOptions): Promise<GuardedPostResult> {
  const checked = checkWebhookUrl(options.url, options.allowPrivate);
  if (!checked.ok) {
    return Promise.reject(
      new BlockedDestinationError(`refused to connect to ${options.url}: ${checked.reason}`),
    );
  }
  const url = checked.url;
  const literal = judgeAddress(hostOf(url), options.allowPrivate);
  if (literal && !literal.allowed) {
    return Promise.reject(new BlockedDestinationError(`refused to connect: ${literal.reason}`));
  }
  const lookup = createGuardedLookup(options.allowPrivate, options.resolve);
  const client = url.protocol === 'https:' ? https : http;
  // A fresh agent per attempt: no pooled socket, so every attempt resolves (and is checked) again.
  const agent = new client.Agent({ keepAlive: false, lookup } as http.AgentOptions);

  return new Promise<GuardedPostResult>((resolve, reject) => {
    const request = client.request(url, {
      method: options.method ?? 'POST',
      agent,
      lookup,
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
    });
    const timer = setTimeout(() => {
      request.destroy(new Error(`no complete answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      agent.destroy();
      settle();
    };
    request.on('error', (error) => finish(() => reject(error)));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      const limit = options.answerLimitBytes ?? 1024;
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < limit) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', (error) => finish(() => reject(error)));
      response.on('end', () =>
        finish(() =>
          resolve({
            status: response.statusCode ?? 0,
            bodyExcerpt: Buffer.concat(chunks).subarray(0, limit).toString('utf8'),
          }),
        ),
      );
    });
    request.end(options.body);
  });
}
