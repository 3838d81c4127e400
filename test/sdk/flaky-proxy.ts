/**
 * A real HTTP server in front of the real AgentGate server that misbehaves on demand: resets
 * connections, answers 5xx, pretends `/wait` does not exist, or holds a response. Every call is
 * logged so tests can see what the client actually did.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What to do with one call: pass it on, or one of the failures. */
export type Verdict =
  | 'forward'
  /** Forward to the server, then drop the connection instead of answering (the server did the work). */
  | 'forward-then-reset'
  /** Drop the connection without forwarding. */
  | 'reset'
  /** Never answer (until the client gives up or the proxy closes). */
  | 'hang'
  | { status: number; body?: unknown; headers?: Record<string, string> };

export interface FlakyProxy {
  url: string;
  calls: ProxiedCall[];
  close(): Promise<void>;
}

export async function startFlakyProxy(
  target: string,
  decide: (call: ProxiedCall, index: number) => Verdict | Promise<Verdict>,
): Promise<FlakyProxy> {
  const calls: ProxiedCall[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const call: ProxiedCall = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    const index = calls.push(call) - 1;
    const verdict = await decide(call, index);
    if (verdict === 'hang') return;
    if (verdict === 'reset') {
      req.socket.destroy();
      return;
    }
    if (typeof verdict === 'object') {
      res.writeHead(verdict.status, { 'content-type': 'application/json', ...verdict.headers });
      res.end(verdict.body === undefined ? '' : JSON.stringify(verdict.body));
      return;
    }
    forward(target, call, res, verdict === 'forward-then-reset');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(target: string, call: ProxiedCall, res: ServerResponse, resetAfter: boolean): void {
  const url = new URL(call.path, target);
  const headers = { ...call.headers, host: url.host };
  const upstream = httpRequest(url, { method: call.method, headers }, (answer) => {
    if (resetAfter) {
      answer.resume();
      answer.on('end', () => res.socket?.destroy());
      return;
    }
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.socket?.destroy());
  res.on('close', () => upstream.destroy());
  upstream.end(call.body);
}
