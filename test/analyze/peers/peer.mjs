// One end of a kernel TCP connection for the capture tests, driven line by line: commands arrive on
// stdin, events leave on stdout, so the test decides the order of every close, write and reset.
//
//   node peer.mjs server ADDR PORT   listens, takes one connection, then prints "listening"
//   node peer.mjs client ADDR PORT   connects, prints "connected"
//
// Commands: "write N" (N bytes), "end", "reset" (SO_LINGER {on, 0}: an RST instead of a FIN),
// "keepalive MS", "autoend" (from then on, answer the peer's FIN with end() at once, in the same
// turn of the event loop that reads it), "fill N SIZE" (N UDP datagrams of SIZE bytes to the peer's port 9, to take the
// tokens of a rate-limiting qdisc so that what this side sends next waits in it), "exit". Events: "listening", "connected", "data TOTAL", "end", "finish",
// "close", "error CODE". Both sides allow half-open connections, so a FIN from the peer never
// makes this side close on its own.
import dgram from 'node:dgram';
import net from 'node:net';
import { createInterface } from 'node:readline';

const [role, addr, portText] = process.argv.slice(2);
const port = Number(portText);
let sock;
let received = 0;
let autoEnd = false;
const say = (line) => process.stdout.write(`${line}\n`);

function attach(s) {
  sock = s;
  s.on('data', (d) => {
    received += d.length;
    say(`data ${received}`);
  });
  s.on('end', () => {
    if (autoEnd) s.end();
    say('end');
  });
  s.on('finish', () => say('finish'));
  s.on('error', (e) => say(`error ${e.code ?? e.message}`));
  s.on('close', () => say('close'));
}

if (role === 'server') {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    server.close();
    attach(s);
    say('accepted');
  });
  server.listen(port, addr, () => say('listening'));
} else {
  const s = net.connect({ host: addr, port, allowHalfOpen: true }, () => say('connected'));
  attach(s);
}

function fill(count, size) {
  const udp = dgram.createSocket(net.isIPv6(sock.remoteAddress) ? 'udp6' : 'udp4');
  let left = count;
  const next = () => {
    if (left-- === 0) {
      udp.close();
      say('filled');
      return;
    }
    udp.send(Buffer.alloc(size), 9, sock.remoteAddress, next);
  };
  next();
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg, ...rest] = line.trim().split(/\s+/);
  if (cmd === 'exit') process.exit(0);
  if (sock === undefined) return say(`error no connection for ${cmd}`);
  if (cmd === 'write') sock.write(Buffer.alloc(Number(arg), 0x61), () => say('written'));
  else if (cmd === 'end') sock.end();
  else if (cmd === 'reset') sock.resetAndDestroy();
  else if (cmd === 'autoend') autoEnd = true;
  else if (cmd === 'keepalive') sock.setKeepAlive(true, Number(arg));
  else if (cmd === 'fill') fill(Number(arg), Number(rest[0]));
  else say(`error unknown command ${cmd}`);
});
// Never outlive the test by much, whatever happens to stdin.
setTimeout(() => process.exit(3), 60_000).unref();
