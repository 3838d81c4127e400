/**
 * The server under benchmark, as its own process: the real composition root (`startServer`), plus
 * the port line and usage answers every benchmarked process gives (`child-ipc.ts`). SIGTERM shuts
 * down gracefully, like `agentgate serve`.
 */
import { startServer } from '../../app/main.js';
import { serveBenchmark } from './child-ipc.js';

const { server, address } = await startServer(process.env);
serveBenchmark(address.port, () => server.close());
