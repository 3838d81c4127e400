import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import type {
  ApiKey,
  CreateApiKeyBodySchema,
  CreatedApiKey,
  Scope,
  UpdateApiKeyBodySchema,
} from '../../sdk/schemas.js';
import type { ApiKeyStore } from '../ports/api-key-store.js';
import type { Clock } from '../ports/clock.js';
import type { KeyChangeFeed } from '../ports/key-change-feed.js';
import type { ApiKeyRecord, Principal } from '../ports/store.js';
import { AppError, notFound } from './app-error.js';
import { KeyCache } from './key-cache.js';

export type CreateApiKeyInput = z.output<typeof CreateApiKeyBodySchema>;
export type UpdateApiKeyInput = z.output<typeof UpdateApiKeyBodySchema>;

/** What key creation says to the human holding the answer. */
const SAVE_KEY_MESSAGE = 'Save this key now: it is shown only once, and only its hash is stored.';

const KEY_PREFIX = 'agk_';

const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** `agk_` + 43 base64url characters (256 random bits). */
const generateApiKey = (): string => KEY_PREFIX + randomBytes(32).toString('base64url');

const toWireKey = (record: ApiKeyRecord): ApiKey => ({
  id: record.id,
  name: record.name,
  scopes: record.scopes,
  rateLimit: record.rateLimit,
  repository: record.repository,
  createdAt: record.createdAt,
  revokedAt: record.revokedAt,
  active: record.revokedAt === null,
});

/** The principal of the operator's `ADMIN_API_KEY`. */
const ADMIN_PRINCIPAL: Principal = {
  id: 'admin',
  actor: 'api:admin',
  requester: { type: 'api_key', name: 'admin' },
  scopes: new Set<Scope>(['admin']),
  repository: null,
  rateLimit: null,
  keyId: 'admin',
};

function principalOfKey(record: ApiKeyRecord): Principal {
  return {
    id: `key:${record.id}`,
    actor: `api:${record.name}`,
    requester: { type: 'api_key', name: record.name },
    scopes: new Set(record.scopes),
    repository: record.repository,
    rateLimit: record.rateLimit,
    keyId: record.id,
  };
}

export interface ApiKeyServiceDeps {
  store: ApiKeyStore;
  clock: Clock;
  newId: (prefix: string) => string;
  adminApiKey?: string | undefined;
  /**
   * Refuses a repository a key may not be bound to (in GitHub mode: one where the app is not
   * installed, a 422 `not_installed`). Kept as a function so this service knows nothing of GitHub.
   */
  checkRepository?: ((repository: string) => Promise<void>) | undefined;
  /**
   * Where key changes made elsewhere are heard (PostgreSQL: other instances, the CLI). Given, keys
   * that authenticate are cached (key-cache.ts); absent (SQLite: one process, a lookup is an
   * in-process read), every request reads its key.
   */
  keyChanges?: KeyChangeFeed | undefined;
}

/** API keys: created with a secret shown once, stored as a hash, revocable. */
export class ApiKeyService {
  readonly #adminKeyHash: Buffer | null;
  readonly #cache: KeyCache | null;

  constructor(private readonly deps: ApiKeyServiceDeps) {
    this.#adminKeyHash = deps.adminApiKey ? Buffer.from(hashApiKey(deps.adminApiKey), 'hex') : null;
    this.#cache = deps.keyChanges
      ? new KeyCache(deps.keyChanges, { now: () => deps.clock.now().getTime() })
      : null;
  }

  async create(input: CreateApiKeyInput, actor: string): Promise<CreatedApiKey> {
    if (input.repository && this.deps.checkRepository) await this.deps.checkRepository(input.repository);
    const key = generateApiKey();
    const createdAt = this.deps.clock.now().toISOString();
    const record: ApiKeyRecord = {
      id: this.deps.newId('key'),
      name: input.name,
      keyHash: hashApiKey(key),
      scopes: [...new Set(input.scopes)],
      rateLimit: input.rateLimit ?? null,
      repository: input.repository ?? null,
      createdAt,
      revokedAt: null,
    };
    await this.deps.store.insertApiKey(record, [
      {
        requestId: null,
        eventType: 'key_created',
        actor,
        details: {
          keyId: record.id,
          name: record.name,
          scopes: record.scopes,
          repository: record.repository,
        },
        createdAt,
      },
    ]);
    const { id, name, scopes, rateLimit, repository } = record;
    return { id, key, name, scopes, rateLimit, repository, message: SAVE_KEY_MESSAGE };
  }

  async list(): Promise<ApiKey[]> {
    return (await this.deps.store.listApiKeys()).map(toWireKey);
  }

  /** Changes a key's rate limit (null: no limit), effective from its next request; audited. */
  async update(id: string, patch: UpdateApiKeyInput, actor: string): Promise<ApiKey> {
    const at = this.deps.clock.now().toISOString();
    const updated = await this.deps.store.updateApiKey(id, { rateLimit: patch.rateLimit }, at, [
      {
        requestId: null,
        eventType: 'key_updated',
        actor,
        details: { keyId: id, rateLimit: patch.rateLimit },
        createdAt: at,
      },
    ]);
    if (!updated) throw notFound('API key', id);
    this.#cache?.forget(id);
    return toWireKey(updated);
  }

  async revoke(id: string, actor: string): Promise<ApiKey> {
    const at = this.deps.clock.now().toISOString();
    const revoked = await this.deps.store.revokeApiKey(id, at, [
      { requestId: null, eventType: 'key_revoked', actor, details: { keyId: id }, createdAt: at },
    ]);
    if (!revoked) throw notFound('API key', id);
    // Refused from now on here; other instances hear of it from the feed.
    this.#cache?.forget(id);
    return toWireKey(revoked);
  }

  /**
   * An active key by id (`admin` is ADMIN_API_KEY) with the hash of its secret, for the web
   * console's sessions, which keep the id and re-check the key on every page; null when the key is
   * unknown or revoked.
   */
  async findActive(id: string): Promise<{ principal: Principal; keyHash: string } | null> {
    if (id === ADMIN_PRINCIPAL.keyId) {
      return this.#adminKeyHash
        ? { principal: ADMIN_PRINCIPAL, keyHash: this.#adminKeyHash.toString('hex') }
        : null;
    }
    const record = await this.deps.store.getApiKey(id);
    if (!record || record.revokedAt !== null) return null;
    return { principal: principalOfKey(record), keyHash: record.keyHash };
  }

  /** The principal of a bearer token, or a 401 saying what is wrong. */
  async authenticate(token: string): Promise<Principal> {
    const hash = hashApiKey(token);
    if (this.#adminKeyHash && timingSafeEqual(Buffer.from(hash, 'hex'), this.#adminKeyHash))
      return ADMIN_PRINCIPAL;
    if (!token.startsWith(KEY_PREFIX)) {
      throw new AppError(
        'unauthorized',
        'The bearer token is not an AgentGate API key (they start with "agk_").',
      );
    }
    // Lookup by hash (in the database index or the cache's map), never by the secret itself.
    const load = async () => {
      const record = await this.deps.store.findApiKeyByHash(hash);
      return record && record.revokedAt === null ? principalOfKey(record) : null;
    };
    const principal = this.#cache ? await this.#cache.resolve(hash, load) : await load();
    if (!principal) {
      throw new AppError(
        'unauthorized',
        'This API key is unknown or has been revoked; ask an admin for a valid key.',
      );
    }
    return principal;
  }
}
