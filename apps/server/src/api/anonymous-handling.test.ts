import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyProvisioning } from '../domain/services/provisioning/apply.js';
import { parseProvisioning } from '../domain/services/provisioning/parse.js';
import { PASSWORDS, startApiHarness, type ApiHarness } from '../test-support/api-harness.js';
import { dialects } from '../test-support/stores.js';

/** The handling method for callers who withhold their number: API and provisioning file. */
describe.each(dialects)('anonymous-caller handling on %s', (dialect) => {
  let h: ApiHarness;
  let alice: string;

  beforeEach(async () => {
    h = await startApiHarness({ dialect });
    alice = await h.login('alice@example.test', PASSWORDS.alice);
  });
  afterEach(async () => {
    await h.close();
  });

  const patch = (payload: object) =>
    h.app.inject({ method: 'PATCH', url: '/api/users/me', headers: { cookie: alice }, payload });

  it('is null until set, is checked like the other methods, and null clears it', async () => {
    const me = await h.app.inject({ url: '/api/users/me', headers: { cookie: alice } });
    expect(me.json()).toMatchObject({
      anonymousHandling: null,
      unknownHandling: 'builtin:ring-all',
    });

    const set = await patch({ anonymousHandling: 'builtin:reject' });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ anonymousHandling: 'builtin:reject' });
    // Other changes keep it.
    expect((await patch({ name: 'Alice A.' })).json()).toMatchObject({
      anonymousHandling: 'builtin:reject',
    });

    const typo = await patch({ anonymousHandling: 'builtin:rejct' });
    expect(typo.statusCode).toBe(400);
    expect(typo.json()).toMatchObject({
      error: { issues: [{ path: 'anonymousHandling' }] },
    });
    const draft = await h.app.inject({
      method: 'PUT',
      url: '/api/users/me/flows/screen',
      headers: { cookie: alice },
      payload: {
        name: 'Screen',
        document: { schemaVersion: 1, name: 'Screen', nodes: [], edges: [] },
      },
    });
    expect(draft.statusCode).toBeLessThan(300);
    expect((await patch({ anonymousHandling: 'screen' })).statusCode).toBe(400);
    expect((await h.store.users.get('u-alice'))?.anonymousHandling).toBe('builtin:reject');

    const cleared = await patch({ anonymousHandling: null });
    expect(cleared.json()).toMatchObject({ anonymousHandling: null });
    expect(await h.store.users.get('u-alice')).not.toHaveProperty('anonymousHandling');
  });

  it('keeps a flow it names from being deleted', async () => {
    const flow = {
      schemaVersion: 1,
      name: 'Anon',
      nodes: [
        { id: 'start', type: 'incoming-call', position: { x: 0, y: 0 } },
        { id: 'no', type: 'reject', position: { x: 1, y: 0 } },
      ],
      edges: [{ from: { node: 'start', pin: 'next' }, to: { node: 'no' } }],
    };
    const headers = { cookie: alice };
    await h.app.inject({
      method: 'PUT',
      url: '/api/users/me/flows/anon',
      headers,
      payload: { name: 'Anon', document: flow },
    });
    const published = await h.app.inject({
      method: 'POST',
      url: '/api/users/me/flows/anon/publish',
      headers,
      payload: {},
    });
    expect(published.statusCode, published.body).toBe(200);
    expect((await patch({ anonymousHandling: 'anon' })).statusCode).toBe(200);
    const deleted = await h.app.inject({
      method: 'DELETE',
      url: '/api/users/me/flows/anon',
      headers,
    });
    expect(deleted.statusCode).toBe(409);
    expect(deleted.json()).toMatchObject({
      error: { message: expect.stringContaining('the handling of anonymous callers') as string },
    });
  });

  it('comes from handling.anonymous in a provisioning file, and applying twice changes nothing', async () => {
    const file = (anonymous: string | null) => `
users:
  - id: carol
    name: Carol
    email: carol@example.test
    country: US
    handling:
      default: builtin:ring-all
      unknown: builtin:voicemail
${anonymous === null ? '' : `      anonymous: ${anonymous}\n`}`;
    const apply = async (text: string) =>
      applyProvisioning(h.store, await parseProvisioning(text), { clock: h.clock });
    await apply(file('builtin:reject'));
    expect((await h.store.users.get('carol'))?.anonymousHandling).toBe('builtin:reject');
    const again = await apply(file('builtin:reject'));
    expect(again.changed).toEqual([]);
    // Taken out of the file: anonymous callers get the unknown-caller method again.
    const removed = await apply(file(null));
    expect(removed.changed).toEqual(['user carol']);
    expect(await h.store.users.get('carol')).not.toHaveProperty('anonymousHandling');
    await expect(parseProvisioning(file('builtin:nope'))).rejects.toThrow(
      /users\[0\]\.handling\.anonymous/,
    );
  });
});
