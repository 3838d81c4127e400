import { describe, expect, it } from 'vitest';
import { renderDiscordMessage } from '../../app/discord/render-discord-message.js';
import { ALICE, aRequest, descriptions } from '../helpers/channel-request.js';

/** Discord's limits on one embed. */
function embedSize(message: ReturnType<typeof renderDiscordMessage>): number {
  const [embed] = message.embeds;
  return [
    embed?.title ?? '',
    embed?.description ?? '',
    embed?.footer?.text ?? '',
    ...(embed?.fields ?? []).flatMap((f) => [f.name, f.value]),
  ].join('').length;
}

describe('renderDiscordMessage', () => {
  it('shows a pending request with everything a reviewer needs, and the buttons', async () => {
    const message = renderDiscordMessage({
      request: aRequest(),
      ruleDescriptions: descriptions,
      interactive: true,
      publicUrl: 'https://gate.example.com',
    });
    await expect(JSON.stringify(message, null, 2)).toMatchFileSnapshot(
      '__snapshots__/pending.discord.json.snap',
    );
  });

  it('shows the decision, who made it and no buttons once decided', async () => {
    const request = aRequest({
      status: 'denied',
      decidedBy: `discord:${ALICE}`,
      decidedAt: '2026-01-01T12:30:00.000Z',
      decisionReason: 'Not *this* quarter',
    });
    const message = renderDiscordMessage({
      request,
      ruleDescriptions: descriptions,
      interactive: true,
      publicUrl: null,
    });
    expect(message.components).toEqual([]);
    expect(message.embeds[0]?.description).toContain(
      `**Denied** by <@${ALICE}> · <t:1767270600:f>\n> Not \\*this\\* quarter`,
    );
    expect(message.embeds[0]?.url).toBeUndefined();
  });

  it('stays within Discord limits and keeps the params fence closed, whatever an agent sends', () => {
    const huge = 'x'.repeat(200);
    const request = aRequest({
      action: `payments.${'a'.repeat(190)}`,
      params: {
        note: `${'`'.repeat(3000)}[link](https://evil.example)`,
        list: Array.from({ length: 400 }, () => huge),
      },
      context: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, huge])),
      status: 'denied',
      decidedBy: 'api:ops',
      decidedAt: '2026-01-01T12:30:00.000Z',
      decisionReason: '*'.repeat(5000),
    });
    const message = renderDiscordMessage({
      request,
      ruleDescriptions: descriptions,
      interactive: true,
      publicUrl: null,
    });
    const [embed] = message.embeds;
    expect(embedSize(message)).toBeLessThanOrEqual(6000);
    expect(embed?.description?.length).toBeLessThanOrEqual(4096);
    for (const f of embed?.fields ?? []) expect(f.value.length).toBeLessThanOrEqual(1024);
    expect(message.content.length).toBeLessThanOrEqual(2000);
    // Fences come in pairs: every code block is closed.
    for (const text of [embed?.description ?? '', ...(embed?.fields ?? []).map((f) => f.value)]) {
      expect((text.match(/```/g) ?? []).length % 2).toBe(0);
    }
  });
});
