/** The workflow a user copies from docs/action.md uses the Action as declared. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const page = readFileSync(new URL('docs/action.md', root), 'utf8');
const workflowText = /```yaml\n(name: [\s\S]*?)```/.exec(page)?.[1] ?? '';
const action = parse(readFileSync(new URL('action.yml', root), 'utf8'));

describe("docs/action.md's workflow example", () => {
  const workflow = parse(workflowText);
  const steps = Object.values(workflow.jobs as Record<string, { steps: any[] }>).flatMap((job) => job.steps);
  const gated = steps.filter((step) => String(step.uses ?? '').endsWith('/agentgate@v1'));

  it('grants id-token: write, as the OIDC token requires', () => {
    expect(workflow.permissions['id-token']).toBe('write');
  });

  it('passes only declared inputs, and every required one', () => {
    expect(gated.length).toBeGreaterThan(0);
    const required = Object.entries(action.inputs as Record<string, { required?: boolean }>)
      .filter(([, input]) => input.required)
      .map(([name]) => name);
    for (const step of gated) {
      for (const name of Object.keys(step.with)) expect(Object.keys(action.inputs)).toContain(name);
      for (const name of required) expect(step.with).toHaveProperty(name);
    }
  });

  it('reads only declared outputs, of steps that have ids', () => {
    const ids = new Set(gated.map((step) => step.id));
    const used = [...workflowText.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)];
    expect(used.length).toBeGreaterThan(3);
    for (const [, id, output] of used) {
      expect(ids).toContain(id);
      expect(Object.keys(action.outputs)).toContain(output);
    }
  });
});

describe("docs/action.md's other workflows (ChatOps)", () => {
  const workflows = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .filter((text) => text !== workflowText && text.includes('jobs:'));

  it.each(workflows.map((text) => [text.split('\n')[0], text]))(
    '%s: declared inputs and outputs only',
    (_title, text) => {
      const workflow = parse(text);
      expect(workflow.permissions['id-token']).toBe('write');
      const steps = Object.values(workflow.jobs as Record<string, { steps: any[] }>).flatMap(
        (job) => job.steps,
      );
      const gated = steps.filter((step) => String(step.uses ?? '').endsWith('/agentgate@v1'));
      expect(gated.length).toBeGreaterThan(0);
      for (const step of gated) {
        for (const name of Object.keys(step.with)) expect(Object.keys(action.inputs)).toContain(name);
      }
      for (const [, , output] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        expect(Object.keys(action.outputs)).toContain(output);
      }
    },
  );
});
