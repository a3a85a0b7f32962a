// `keepalive`: the last question of the seed text. The server has keepalive on with the RFC 1122
// §4.2.3.6 defaults (first probe after 2 h idle, then every 75 s, give up after 10 unanswered). The
// client vanishes (a network partition: no FIN, no RST). The server probes, hears nothing, and after
// the 10th unanswered probe declares the connection dead (ETIMEDOUT) and closes it.

import { DEFAULT_CONFIG } from '../core/config.js';
import { formatDuration } from '../trace/ladder.js';
import { ACK } from '../wire/segment.js';
import { CLIENT, errorsOf, ms, SERVER, scenario, sent } from './world.js';

const info = {
  name: 'keepalive',
  title: 'keepalive: the client vanishes; the server probes after 2 h idle, every 75 s, gives up after 10',
  description:
    'The server turns keepalive on with the usual defaults: 2 h idle, then a probe every 75 s, at most ' +
    '10. Right after the handshake the client vanishes (a network partition: it sends no FIN and no ' +
    'RST). After 2 h without a segment the server probes (an ACK for old data, seq = SND.NXT-1); ' +
    'no answer comes, and after the 10th unanswered probe the server reports ETIMEDOUT and is CLOSED.',
};

export const keepaliveScenario = scenario(
  info,
  (w) => {
    w.start();
    const l = w.listen();
    const c = w.dial();
    const s = w.accepted(l);
    w.note('the client vanishes (network partition)');
    w.net.partition(CLIENT, SERVER);
    w.net.run();
    const events = w.events();
    const idleFrom = [...events].reverse().find((e) => e.type === 'recv' && e.endpoint === SERVER)?.t ?? 0;
    const probes = sent(events, SERVER, (f) => f === ACK).filter((e) => e.t > idleFrom);
    const cfg = DEFAULT_CONFIG;
    return {
      summary: (f) => {
        const sc = f.closedAt[SERVER];
        return [
          `server last heard from the client at ${ms(idleFrom)}; first probe at ${ms(probes[0]?.t)}` +
            ` (${formatDuration(cfg.keepaliveIdle)} idle); ${probes.length} probes in all, ${formatDuration(cfg.keepaliveInterval)} apart, none answered`,
          `server CLOSED at ${ms(sc)} with ${errorsOf(f, SERVER)}` +
            (sc !== undefined ? ` = ${formatDuration(sc - idleFrom)} after the last segment` : '') +
            `; the vanished client is still ${c.state} (server ${s.state})`,
        ];
      },
      extra: { idleFrom, probes: probes.length, firstProbeAt: probes[0]?.t ?? -1 },
    };
  },
  { serverConfig: { keepalive: true } },
);
