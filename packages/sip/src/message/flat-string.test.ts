import { describe, expect, it } from 'vitest';
import { flatString } from './syntax.js';

describe('flatString', () => {
  it('gives the same text, whatever it was built from', () => {
    const head = `Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK${'x'.repeat(500)}\r\n`;
    const branch = head.slice(head.indexOf('branch=') + 7, head.indexOf('\r\n'));
    const key = `${branch}\n192.0.2.1:5060\nINVITE`;
    expect(flatString(key)).toBe(key);
    expect(flatString('short')).toBe('short');
    expect(flatString('')).toBe('');
  });

  it('keeps text beyond Latin-1 as it is', () => {
    const text = 'tag=😀-ünïcode-€-long enough';
    expect(flatString(text)).toBe(text);
  });
});
