/**
 * A webhook receiver for tests, on 127.0.0.1: it verifies each delivery's signature as a user's
 * receiver would (docs/webhooks.md), records everything, and can be taken down — answering
 * 503, or not listening at all — and brought back on the same port.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: any;
  /** The signature matched `sha256=HMAC(secret, "<X-AgentGate-Timestamp>.<raw body>")`. */
  signatureValid: boolean;
  /** What this receiver answered. */
  answered: number;
}

export type ReceiverMode = 'up' | 'error' | 'down';

export interface WebhookReceiver {
  url: string;
  /** The secret signatures are checked with (settable once the server generated one). */
  secret: string;
  /** Every request that reached the receiver, answered or not. */
  received: ReceivedDelivery[];
  /** Requests answered 2xx, one per delivery id (a second 2xx for the same id is a test failure). */
  accepted(): ReceivedDelivery[];
  /** `error`: answers 503; `down`: stops listening (connections refused); `up`: accepts. */
  setMode(mode: ReceiverMode): Promise<void>;
  close(): Promise<void>;
}

function verifyAgentGateSignature(secret: string, headers: IncomingHttpHeaders, rawBody: string): boolean {
  const timestamp = String(headers['x-agentgate-timestamp'] ?? '');
  const given = Buffer.from(String(headers['x-agentgate-signature'] ?? ''));
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`,
  );
  return /^\d+$/.test(timestamp) && given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startWebhookReceiver(secret = ''): Promise<WebhookReceiver> {
  let mode: ReceiverMode = 'up';
  const received: ReceivedDelivery[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = JSON.parse(rawBody);
      } catch {
        // recorded as is
      }
      const signatureValid = verifyAgentGateSignature(receiver.secret, req.headers, rawBody);
      const answered = mode === 'error' ? 503 : signatureValid ? 200 : 401;
      received.push({ headers: req.headers, rawBody, body, signatureValid, answered });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'no');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;

  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks/agentgate`,
    secret,
    received,
    accepted() {
      const ok = received.filter((r) => r.answered === 200);
      const ids = ok.map((r) => String(r.headers['x-agentgate-delivery']));
      if (new Set(ids).size !== ids.length)
        throw new Error(`a delivery was accepted twice: ${ids.join(', ')}`);
      return ok;
    },
    async setMode(next) {
      if (next === 'down' && mode !== 'down') await stop();
      if (next !== 'down' && mode === 'down') await listen(port);
      mode = next;
    },
    async close() {
      if (mode !== 'down') await stop();
      mode = 'down';
    },
  };
  return receiver;
}
