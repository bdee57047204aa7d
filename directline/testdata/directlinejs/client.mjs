// Drives Baton's Direct Line endpoints with the real botframework-directlinejs
// client, as Web Chat does, and prints what it saw. Used by TestDirectLineJS.
//
//   node client.mjs BASE_URL SECRET     (or DL_BASE_URL, DL_SECRET)
//   DL_MODE=token    (default) trades the secret for a token first, as the
//                    company's server does, and receives over a WebSocket;
//   DL_MODE=secret   uses the secret in the client itself;
//   DL_MODE=polling  a token, receiving by polling GET activities.
//
// Lines on stdout, each one JSON object:
//   {"ready": "<conversationId>"}  once the handoff is acknowledged: an agent
//                                  may now take over and write;
//   {"summary": {...}}             at the end, after the agent's message.
// Exits 1 with a message on stderr on any failure or after DL_TIMEOUT_MS.

import WS from 'ws';
import XHR from 'xhr2';

// Node 20 has neither; directlinejs looks for both globally.
globalThis.WebSocket = WS;
globalThis.XMLHttpRequest = XHR;

const { DirectLine, ConnectionStatus } = (await import('botframework-directlinejs')).default;

const base = (process.argv[2] || process.env.DL_BASE_URL || '').replace(/\/$/, '');
const secret = process.argv[3] || process.env.DL_SECRET || '';
const mode = process.env.DL_MODE || 'token';
const useWebSocket = mode !== 'polling';
const userID = 'dl_node-user';
if (!base || !secret) {
  fail('usage: node client.mjs BASE_URL SECRET');
}

const deadline = setTimeout(() => fail('timed out; saw ' + JSON.stringify(summary())), Number(process.env.DL_TIMEOUT_MS || 45000));

function fail(message) {
  process.stderr.write(`client.mjs: ${message}\n`);
  process.exit(1);
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// Count the sockets directlinejs opens, and keep the latest to drop it.
const sockets = [];
class CountingWebSocket extends WS {
  constructor(url, ...rest) {
    super(url, ...rest);
    sockets.push(this);
  }
}

let dl;
const statuses = [];
const activities = [];
const postIds = [];
const waiters = [];

function summary() {
  return { conversationId: dl && dl.conversationId, statuses, sockets: sockets.length, postIds, activities };
}

// waitFor resolves with the first activity, seen or to come, that matches.
function waitFor(what, match) {
  const found = activities.find(match);
  if (found) return Promise.resolve(found);
  return new Promise(resolve => waiters.push({ what, match, resolve }));
}

async function post(activity) {
  const id = await new Promise((resolve, reject) =>
    dl.postActivity({ from: { id: userID, name: 'Node' }, ...activity }).subscribe(resolve, reject)
  );
  if (typeof id !== 'string' || !id) fail(`postActivity returned ${JSON.stringify(id)}`);
  postIds.push(id);
  return id;
}

let token;
if (mode !== 'secret') {
  // The company's server: trade the secret for a token for one user.
  const res = await fetch(`${base}/v3/directline/tokens/generate`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: { id: userID, name: 'Node' } })
  });
  if (res.status !== 200) fail(`tokens/generate: ${res.status} ${await res.text()}`);
  token = (await res.json()).token;
}

dl = new DirectLine({
  ...(mode === 'secret' ? { secret } : { token }),
  domain: `${base}/v3/directline`,
  webSocket: useWebSocket,
  WebSocket: CountingWebSocket,
  pollingInterval: 200,
  // Short timeout: directlinejs pings the socket with an empty message
  // every `timeout` ms, which the server must shrug off.
  timeout: 3000,
  // Reconnect after 3 s instead of 3 to 15.
  random: () => 0
});

dl.connectionStatus$.subscribe(s => statuses.push(ConnectionStatus[s]));
dl.activity$.subscribe(
  a => {
    activities.push({
      id: a.id,
      type: a.type,
      role: a.from && a.from.role,
      fromId: a.from && a.from.id,
      name: a.from && a.from.name,
      text: a.text,
      clientActivityID: a.channelData && a.channelData.clientActivityID,
      replyToId: a.replyToId,
      actions: ((a.suggestedActions && a.suggestedActions.actions) || []).map(({ type, title, value }) => ({ type, title, value }))
    });
    const last = activities[activities.length - 1];
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].match(last)) {
        waiters[i].resolve(last);
        waiters.splice(i, 1);
      }
    }
  },
  err => fail('activity$ failed: ' + (err && err.message))
);

// 1. Say hello: the echo marks it sent, the bot answers with a quick reply.
await post({ type: 'message', text: 'hello', channelData: { clientActivityID: 'node-1' } });
await waitFor('echo of hello', a => a.clientActivityID === 'node-1' && a.role === 'user');
const greeting = await waitFor('the bot greeting', a => a.role === 'bot' && a.actions.length > 0);

// 2. Drop the socket, as a flaky network does: directlinejs asks for a new
//    streamUrl from its watermark and must see nothing twice.
if (useWebSocket) {
  const opened = sockets.length;
  sockets[sockets.length - 1].close();
  while (sockets.length === opened) await new Promise(r => setTimeout(r, 100));
  // Outlive one client ping on the new socket.
  await new Promise(r => setTimeout(r, 3500));
}

// 3. Tap the quick reply as Web Chat sends a postBack.
const action = greeting.actions[0];
await post({ type: 'message', text: action.value, channelData: { postBack: true, clientActivityID: 'node-2' } });
await waitFor('echo of the tap', a => a.clientActivityID === 'node-2');
await waitFor('the answer to the tap', a => a.role === 'bot' && /ship/i.test(a.text || '') && a !== greeting);

// 4. Typing is echoed on the stream (only: it is not stored).
if (useWebSocket) {
  await post({ type: 'typing', channelData: { clientActivityID: 'node-typing' } });
  await waitFor('echo of typing', a => a.clientActivityID === 'node-typing');
}

// 5. Ask for a person and wait for the queue's acknowledgement.
await post({ type: 'message', text: 'I want to talk to a human', channelData: { clientActivityID: 'node-3' } });
await waitFor('echo of the request', a => a.clientActivityID === 'node-3');
await waitFor('handoff acknowledgement', a => a.role === 'bot' && a.fromId === 'baton');
emit({ ready: dl.conversationId });

// 6. The agent takes over (done by the test) and writes.
await waitFor('the agent', a => a.role === 'bot' && (a.fromId || '').startsWith('agent:'));

const ids = activities.map(a => a.id);
if (new Set(ids).size !== ids.length) fail('an activity arrived twice: ' + JSON.stringify(ids));
emit({ summary: summary() });
clearTimeout(deadline);
dl.end();
process.exit(0);
