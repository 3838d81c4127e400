#!/usr/bin/env node
// The `agentgate` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { runCli } from '../dist/app/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
