/** Entry of the bundle (`action/dist/index.js`), for both the main and the `post` step. */
import * as core from '@actions/core';
import { run, runPost, STATE_IS_POST } from './run.js';

await (core.getState(STATE_IS_POST) === 'true' ? runPost() : run());
