import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * No Docker engine runs here, so `docker compose up` cannot be tried in CI; this keeps
 * docker-compose.yml honest about what a cluster needs (docs/operations.md, "Many instances").
 */
interface Service {
  build?: string;
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service>; volumes?: Record<string, unknown> };

const instances = Object.entries(compose.services).filter(([name]) => name.startsWith('agentgate'));

describe('docker-compose.yml', () => {
  it('runs PostgreSQL with a health check and a named volume', () => {
    const postgres = compose.services.postgres;
    expect(postgres?.image).toMatch(/^postgres:1[5-9]/);
    expect(postgres?.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(postgres?.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('postgres-data');
  });

  it('runs two AgentGate instances built from this repository, on two host ports', () => {
    expect(instances).toHaveLength(2);
    const hostPorts = instances.map(([, s]) => s.ports?.[0]?.split(':')[0]);
    expect(new Set(hostPorts).size).toBe(2);
    for (const [, service] of instances) {
      expect(service.build).toBe('.');
      expect(service.ports?.[0]).toMatch(/^\d+:3000$/);
      expect(service.depends_on?.postgres?.condition).toBe('service_healthy');
    }
  });

  it('gives every instance the same PostgreSQL DATABASE_URL and a required admin key', () => {
    const envs = instances.map(([, s]) => s.environment ?? {});
    for (const env of envs) {
      expect(env).toEqual(envs[0]);
      const url = env.DATABASE_URL ?? '';
      expect(url).toMatch(/^postgres:\/\/agentgate:.*@postgres:5432\/agentgate$/);
      // `${VAR:?message}`: compose refuses to start without it, so no instance prints a bootstrap key.
      expect(env.ADMIN_API_KEY).toMatch(/^\$\{ADMIN_API_KEY:\?.+\}$/);
      expect(env.PORT).toBe('3000');
      expect(env.AGENTGATE_POLICY_DIR).toBe('/app/policies');
    }
  });

  it('names only variables the server reads', () => {
    const config = readFileSync(new URL('../app/config.ts', import.meta.url), 'utf8');
    for (const name of Object.keys(instances[0]?.[1].environment ?? {})) expect(config).toContain(name);
  });
});
