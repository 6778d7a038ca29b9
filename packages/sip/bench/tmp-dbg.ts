import { DigestAuthenticator } from '../src/auth/digest-server.js';
import { randomBytes } from 'node:crypto';
import { startSipStack } from '../src/stack/stack.js';
const clock = { now: () => Date.now() };
const auth = new DigestAuthenticator({ realm: '127.0.0.1', secret: randomBytes(32), clock, algorithms: ['MD5'] });
import { createResponse, newTag } from '../src/message/builders.js';
const stack = await startSipStack({ host: '127.0.0.1', port: 0, delegate: {
  onRequest: async (req, tx) => {
    const a = req.headerValues('Authorization');
    console.log(req.method, req.uri, a);
    if (a.length) { const r = await auth.verify({ method: 'REGISTER', authorization: a, lookup: async () => ({ password: '7777' }) }); console.log(r); }
    const ch = auth.challenge();
    console.log(ch);
    tx.respond(createResponse(req, 401, undefined, { toTag: newTag(), headers: ch.map((value) => ({ name: 'WWW-Authenticate', value })) }));
  }, onCancel: () => {}, onAck: () => {}, onStrayResponse: () => {} } });
console.log('port', stack.port);
setTimeout(() => { void stack.close(); }, 8000);
