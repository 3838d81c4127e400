import { afterEach, beforeEach, describe } from 'vitest';
import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import { describeStoreAdditionsContract } from '../store/contract/additions-contract.js';
import { describeStoreContract } from '../store/store-contract.js';

// The fake must keep the same promises as the real store, or service tests on it prove nothing.
describeStoreContract('memory', async () => createMemoryStore());

describe('Store additions contract: memory', () => {
  let store = createMemoryStore();
  beforeEach(() => {
    store = createMemoryStore();
  });
  afterEach(() => store.close());
  describeStoreAdditionsContract(() => store);
});
