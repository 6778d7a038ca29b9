/**
 * The SIPp scenarios of the voicemail end-to-end test (./scenarios), and the speech capture
 * the caller plays: sip-tester's own A-law recording, so the reference is exactly what went
 * onto the wire.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type VoicemailScenario =
  'phone-registers' | 'phone-takes-notifies' | 'caller-leaves-message';

export function voicemailScenario(name: VoicemailScenario): string {
  return fileURLToPath(new URL(`./scenarios/${name}.xml`, import.meta.url));
}

/** 236 RTP packets of PCMA (payload type 8), 30 ms each: 7.08 s of speech. */
export const G711A_PCAP = '/usr/share/sip-tester/g711a.pcap';
export const g711aPcapInstalled = existsSync(G711A_PCAP);

/** How long caller-leaves-message.xml waits after its ACK before it speaks. */
export const CALLER_WAITS_MS = 2500;
