import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../message/index.js';
import { request, RecordingUser } from '../transaction/test-support/fixtures.js';
import type { TransportName } from '../transaction/index.js';
import { until } from '../transport/test-support/sockets.js';
import { startSipStack, type SipStack } from './stack.js';
import { freePort } from './test-support/sipp.js';
import { TestUas } from './test-support/test-uas.js';

const ignore = (): void => undefined;

async function withClient(run: (client: SipStack, uas: TestUas) => Promise<void>): Promise<void> {
  const uas = await TestUas.start();
  const client = await startSipStack({
    host: '127.0.0.1',
    delegate: {
      onRequest: ignore,
      onCancel: ignore,
      onAck: ignore,
      onStrayResponse: ignore,
    },
  });
  try {
    await run(client, uas);
  } finally {
    await client.close();
    await uas.close();
  }
}

function options(client: SipStack): SipRequest {
  return request({ method: 'OPTIONS', sentBy: `127.0.0.1:${String(client.port)}`, branch: null });
}

describe('TransportAdapter', () => {
  it('carries a request down and its response up, over UDP and TCP', async () => {
    await withClient(async (client, uas) => {
      for (const transport of ['udp', 'tcp'] as const) {
        const user = new RecordingUser();
        client.transactions.sendRequest(
          options(client),
          { host: '127.0.0.1', port: uas.port, transport },
          user,
        );
        await until(() => user.responses.length > 0);
        expect(user.statuses()).toEqual([200]);
        expect(user.failures).toEqual([]);
      }
      expect(uas.counts.options).toBe(2);
    });
  });

  it('fails the transaction when a TCP connection is refused after send() returned', async () => {
    await withClient(async (client) => {
      const user = new RecordingUser();
      const port = await freePort(); // nobody listens there
      client.transactions.sendRequest(
        options(client),
        { host: '127.0.0.1', port, transport: 'tcp' },
        user,
      );
      await until(() => user.failures.length > 0);
      expect(user.failures[0]?.kind).toBe('transport');
      expect(client.transactions.clientCount).toBe(0);
    });
  });

  it('fails the transaction at once for a transport the stack does not have', async () => {
    await withClient((client) => {
      const user = new RecordingUser();
      const tls: TransportName = 'tls';
      client.transactions.sendRequest(
        options(client),
        { host: '127.0.0.1', port: 5061, transport: tls },
        user,
      );
      expect(user.failures.map((failure) => failure.kind)).toEqual(['transport']);
      return Promise.resolve();
    });
  });
});
