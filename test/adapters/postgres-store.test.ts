import { beforeAll } from 'vitest';
import { openPostgresStore } from '../../app/adapters/postgres/pg-store.js';
import { postgresSchemas, requirePostgres } from '../helpers/postgres.js';
import { describeStoreContract } from '../store/store-contract.js';

const schemas = postgresSchemas();
beforeAll(requirePostgres);

describeStoreContract('postgres', () =>
  openPostgresStore({ connectionString: schemas.connectionString, schema: schemas.next(), maxConnections: 4 }),
);
