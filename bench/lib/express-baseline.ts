/**
 * The baseline `bench:server` measures us against, in the same run and under the same load: an
 * express 5 hello-world that parses the same JSON body with `express.json()` and answers 201 with a
 * small JSON object. No auth, no validation, no storage: what serving a JSON POST costs on this
 * machine with the framework we run on. The ratio of our rate to its rate is the figure that holds
 * from one machine to another.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { serveBenchmark } from './child-ipc.js';

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/api/requests', (req, res) => {
  const action = (req.body as { action?: unknown }).action;
  res.status(201).json({ id: 'hello', status: 'approved', action });
});

const server = app.listen(0, '127.0.0.1', () => {
  serveBenchmark((server.address() as AddressInfo).port, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
