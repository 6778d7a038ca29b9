import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

// The SIP and media settings (issue 6) and their environment variables.
describe('telephony settings', () => {
  const load = (env: NodeJS.ProcessEnv) => loadConfig({ env, cwd: '/tmp' }).config;

  it('default to SIP on 5060 with the RTP range 20000-20999 and the address derived', () => {
    const config = load({});
    expect(config.sip).toEqual({
      host: '0.0.0.0',
      port: 5060,
      realm: 'switchboard',
      maxCalls: 1000,
    });
    expect(config.media).toEqual({ portMin: 20000, portMax: 20999 });
  });

  it('read SWITCHBOARD_MEDIA_* and the other SIP variables', () => {
    const config = load({
      SWITCHBOARD_MEDIA_HOST: '203.0.113.10',
      SWITCHBOARD_MEDIA_PORT_MIN: '30000',
      SWITCHBOARD_MEDIA_PORT_MAX: '30099',
      SWITCHBOARD_SIP_REALM: 'pbx.example.org',
      SWITCHBOARD_SIP_MAX_CALLS: '50',
      SWITCHBOARD_SIP_OUTBOUND_TRUNK: 'carrier',
    });
    expect(config.media).toEqual({ host: '203.0.113.10', portMin: 30000, portMax: 30099 });
    expect(config.sip).toMatchObject({
      realm: 'pbx.example.org',
      maxCalls: 50,
      outboundTrunk: 'carrier',
    });
  });

  it('name the setting at fault in one line', () => {
    expect(() => load({ SWITCHBOARD_MEDIA_HOST: 'pbx.example.org' })).toThrow(ConfigError);
    expect(() => load({ SWITCHBOARD_MEDIA_HOST: 'pbx.example.org' })).toThrow(
      'media.host = "pbx.example.org" (from SWITCHBOARD_MEDIA_HOST): expected an IPv4 or IPv6 address such as 203.0.113.10',
    );
    expect(() =>
      load({ SWITCHBOARD_MEDIA_PORT_MIN: '30000', SWITCHBOARD_MEDIA_PORT_MAX: '30001' }),
    ).toThrow(
      /media\.portMax = 30001 \(from SWITCHBOARD_MEDIA_PORT_MAX\): expected a range of at least 4 ports/,
    );
    expect(() => load({ SWITCHBOARD_SIP_MAX_CALLS: '0' })).toThrow(/sip\.maxCalls = 0/);
  });
});
