import { describe, expect, it } from 'vitest';
import { calledNumberOf, callingPartyOf, privacyOf } from './invite-parties.js';
import { sipRequest } from './test-support/sip-request.js';

const from = 'From: "Net Name" <sip:+12025550142@carrier.example>;tag=a1';
const to = 'To: <sip:+12025550100@switchboard.example>';

describe('the parties of an INVITE', () => {
  it('reads the called number from the Request-URI, or from To when the trunk says so', () => {
    const invite = sipRequest('INVITE sip:trunk-group-7@192.0.2.9 SIP/2.0', [from, to]);
    expect(calledNumberOf(invite)).toBe('trunk-group-7');
    expect(calledNumberOf(invite, 'to')).toBe('+12025550100');
    const tel = sipRequest('INVITE tel:+1-202-555-0100 SIP/2.0', [from, to]);
    expect(calledNumberOf(tel)).toBe('+1-202-555-0100');
    const none = sipRequest('INVITE sip:192.0.2.9 SIP/2.0', [from, to]);
    expect(calledNumberOf(none)).toBeUndefined();
  });

  it('believes P-Asserted-Identity only from a trusted sender, and falls back to From', () => {
    const invite = sipRequest('INVITE sip:+12025550100@192.0.2.9 SIP/2.0', [
      from,
      to,
      'P-Asserted-Identity: "Asserted" <sip:+12025550199@carrier.example>, <tel:+12025550199>',
      'Privacy: id;user',
    ]);
    expect(callingPartyOf(invite, true)).toEqual({
      callingNumber: 'sip:+12025550199@carrier.example',
      displayName: 'Asserted',
      privacy: ['id', 'user'],
    });
    expect(callingPartyOf(invite, false)).toEqual({
      callingNumber: 'sip:+12025550142@carrier.example',
      displayName: 'Net Name',
      privacy: ['id', 'user'],
    });
  });

  it('ignores an asserted identity it cannot read', () => {
    const invite = sipRequest('INVITE sip:+12025550100@192.0.2.9 SIP/2.0', [
      from,
      to,
      'P-Asserted-Identity: <<not a uri',
    ]);
    expect(callingPartyOf(invite, true).callingNumber).toBe('sip:+12025550142@carrier.example');
  });

  it('splits Privacy values on ; and , in any case', () => {
    const invite = sipRequest('INVITE sip:+12025550100@192.0.2.9 SIP/2.0', [
      from,
      to,
      'Privacy: ID; Header',
      'Privacy: none',
    ]);
    expect(privacyOf(invite)).toEqual(['id', 'header', 'none']);
  });
});
