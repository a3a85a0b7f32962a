import { SimNetwork } from 'finack';

// Node's http on simulated hosts: createServer listens on finack, get() and request() go over finack.
const sim = new SimNetwork({ seed: 1 });
const server = sim.host('192.0.2.1').http;
const client = sim.host('192.0.2.2').http;

server.createServer((req, res) => res.end(`${req.method} ${req.url}`)).listen(80);

const get = (url: string) =>
  new Promise<string>((resolve, reject) => {
    const req = client.get(url, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('error', reject);
  });

console.log(await get('http://192.0.2.1/first')); // 200 GET /first
// The agent kept the connection (keepAlive, as Node's globalAgent): the next request reuses it.
console.log(await get('http://192.0.2.1/second')); // 200 GET /second
console.log('connections made:', client.globalAgent.connectionsMade); // 1
console.log(await get('http://192.0.2.1:81/').catch((e) => e.code)); // ECONNREFUSED

// Node's http.request with agent: false ignores createConnection and uses the kernel; here it throws.
try {
  client.request({ host: '192.0.2.1', agent: false });
} catch (e) {
  console.log(String(e)); // UsageError: invalid argument value: options.agent=false would make Node's http ...
}
