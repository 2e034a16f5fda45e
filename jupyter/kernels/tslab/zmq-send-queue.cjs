// Preloaded into the tslab kernel (kernel.json: node --require zmq-send-queue.cjs): makes the kernel's ZeroMQ sends
// queue instead of throwing. zeromq.js sends up to 512 messages on a socket at once, then hands the next one to the
// event loop; until the loop turns, every further send throws EBUSY ("Socket is busy writing"). tslab does not expect
// that: a cell that prints more than 512 lines without awaiting (progress of a long synchronous training, a loop of
// console.log) failed, and the kernel died when it then reported its status. Here a send that finds the socket busy,
// and every send after it, waits its turn and goes out in order once the pending one has left.
'use strict';

let zmq;
try {
  zmq = require(require.resolve('zeromq', { paths: [require.resolve('tslab')] }));
} catch {
  zmq = null; // no tslab/zeromq to patch (the kernel will report its own error)
}

const proto = zmq && zmq.Publisher ? Object.getPrototypeOf(zmq.Publisher.prototype) : null;
if (proto && typeof proto.send === 'function' && !proto.send.netstatsQueued) {
  const nativeSend = proto.send;
  const queues = new WeakMap();

  const isBusy = (err) => err !== null && typeof err === 'object' && err.code === 'EBUSY';

  const drain = (socket, queue) => {
    while (queue.items.length > 0) {
      const item = queue.items[0];
      let sent;
      try {
        sent = nativeSend.apply(socket, item.args);
      } catch (err) {
        if (isBusy(err)) {
          // The pending send leaves when the event loop turns; try again right after that.
          setImmediate(() => drain(socket, queue));
          return;
        }
        queue.items.shift();
        item.reject(err);
        continue;
      }
      queue.items.shift();
      item.resolve(sent);
    }
  };

  const queuedSend = function (...args) {
    let queue = queues.get(this);
    if (queue === undefined) {
      queue = { items: [] };
      queues.set(this, queue);
    }
    if (queue.items.length === 0) {
      try {
        return nativeSend.apply(this, args);
      } catch (err) {
        if (!isBusy(err)) throw err;
      }
    }
    return new Promise((resolve, reject) => {
      queue.items.push({ args, resolve, reject });
      if (queue.items.length === 1) setImmediate(() => drain(this, queue));
    });
  };
  queuedSend.netstatsQueued = true;
  // The native method is read-only; tslab's sockets are Publishers (iopub) and Routers (shell, control), whose own
  // prototypes take precedence.
  for (const Kind of [zmq.Publisher, zmq.Router]) {
    if (Kind) Object.defineProperty(Kind.prototype, 'send', { value: queuedSend, writable: true, configurable: true });
  }
}

// iopub is a PUB socket, and ZeroMQ silently drops what a PUB socket has queued for a subscriber beyond its send
// high-water mark (1000 messages by default): when the notebook client reads slower than a cell prints, output lines
// (and even the kernel's "idle" status, which the client waits for) could vanish without an error. No limit (0)
// keeps every message; the queue lives in memory only while the client catches up.
if (zmq && zmq.Publisher && !zmq.Publisher.netstatsUnbounded) {
  const BoundedPublisher = zmq.Publisher;
  class UnboundedPublisher extends BoundedPublisher {
    constructor(options) {
      super({ sendHighWaterMark: 0, ...(options || {}) });
    }
  }
  UnboundedPublisher.netstatsUnbounded = true;
  zmq.Publisher = UnboundedPublisher;
}
