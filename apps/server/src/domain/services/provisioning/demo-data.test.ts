import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../../test-support/fixtures.js';
import { dialects, useStore } from '../../../test-support/stores.js';
import { verifyPassword } from '../passwords.js';
import { applyProvisioning } from './apply.js';
import { loadProvisioningFile } from './load.js';

/** examples/demo.yaml: what `npm start` loads into an empty store on first run. */
const DEMO = fileURLToPath(new URL('../../../../../../examples/demo.yaml', import.meta.url));

describe('the demo data', () => {
  it('is a valid provisioning file', async () => {
    const doc = await loadProvisioningFile(DEMO);
    expect(doc.users.map((u) => [u.id, u.role])).toEqual([
      ['alice', 'user'],
      ['frank', 'user'],
      ['admin', 'admin'],
    ]);
    const alice = doc.users[0]!;
    expect(alice.attendantId).toBe('frank');
    expect(alice.flows.map((f) => f.id)).toEqual(['vip']);
    expect(alice.contacts.map((c) => [c.name, c.handlingCode])).toEqual([
      ['Bob Boss', 'VIP'],
      ['Carol Archer', 'FAMILY'],
      ['Dan Archer', 'FAMILY'],
      ['Persistent Robocaller', 'BLOCK'],
      ['Erin Example', null],
    ]);
  });

  describe.each(dialects)('on %s', (dialect) => {
    const clock = manualClock();
    const store = useStore(dialect, { clock });

    it('applies to an empty store, and a second time changes nothing', async () => {
      const first = await applyProvisioning(store(), await loadProvisioningFile(DEMO), { clock });
      expect(first.changed).toEqual([]);
      expect(first.unchanged).toEqual([]);
      expect(first.created).toContain('user admin');
      expect(first.created).toContain('flow alice/vip');
      expect(first.created).toContain('contact alice/robocaller');

      const admin = await store().users.get('admin');
      expect(admin?.role).toBe('admin');
      expect(await verifyPassword('admin-web-pass', admin!.passwordHash)).toBe(true);
      expect((await store().users.get('alice'))?.attendantId).toBe('frank');
      const [robocaller] = await store().contacts.findByPhone('alice', '+12025550166');
      expect(robocaller?.handlingCode).toBe('BLOCK');
      expect(await store().contacts.countByUser('alice')).toBe(5);

      clock.advance(1000);
      const second = await applyProvisioning(store(), await loadProvisioningFile(DEMO), { clock });
      expect(second.created).toEqual([]);
      expect(second.changed).toEqual([]);
      expect(second.unchanged).toHaveLength(first.created.length);
    });
  });
});
