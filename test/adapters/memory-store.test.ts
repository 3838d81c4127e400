import { createMemoryStore } from '../../app/adapters/memory/memory-store.js';
import { describeStoreContract } from '../store/store-contract.js';

// The fake must keep the same promises as the real store, or service tests on it prove nothing.
describeStoreContract('memory', async () => createMemoryStore());
