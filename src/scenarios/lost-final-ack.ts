// `lost-final-ack`: the first reason for TIME-WAIT in the seed text. The client's last ACK is lost;
// the server, in LAST-ACK, retransmits its FIN; the client, still in TIME-WAIT, ACKs it again and
// restarts the 2MSL wait (RFC 9293 §3.10.7.4, eighth step, TIME-WAIT).

import { matchers } from '../sim/index.js';
import { formatDuration } from '../trace/ladder.js';
import { CLIENT, ms, result, type ScenarioDef, type ScenarioOptions, SERVER, World } from './world.js';

const def = {
  name: 'lost-final-ack',
  title: 'lost final ACK: the server retransmits its FIN, the client re-ACKs and restarts 2MSL',
  description:
    "The client closes, the server ACKs and closes. The client's final ACK is lost on the way. The " +
    'server, stuck in LAST-ACK, retransmits its FIN when its retransmission timer fires; the client is ' +
    'still in TIME-WAIT, so it ACKs again and restarts the 2×MSL wait. Without TIME-WAIT the ' +
    'retransmitted FIN would have met no connection and been answered with a RST.',
};

export const lostFinalAckScenario: ScenarioDef = {
  ...def,
  run(opts: ScenarioOptions = {}) {
    const w = new World(opts);
    const { c, s } = w.connect();
    w.start();
    w.note('client app: close()');
    c.close();
    w.net.runUntil(() => s.state === 'CLOSE-WAIT');
    w.note('server app: close()');
    s.close();
    // The next pure ACK from the client is the one for the server's FIN.
    w.net.fault({ from: CLIENT, match: matchers.pureAck, nth: 1, action: 'drop' });
    w.net.run();
    const events = w.events();
    const finSends = events.filter((e) => e.type === 'send' && e.endpoint === SERVER && e.seg.flags & 1);
    const retransmittedAt = finSends[1]?.t;
    const run = w.run(
      'lost-final-ack',
      (f) => {
        const cc = f.closedAt[CLIENT];
        const reArrive = retransmittedAt === undefined ? undefined : retransmittedAt + w.latency;
        return [
          `server retransmitted its FIN at ${ms(retransmittedAt)}; it was CLOSED at ${ms(f.closedAt[SERVER])}`,
          `client entered TIME-WAIT at ${ms(f.timeWaitAt[CLIENT])}, restarted 2MSL at ${ms(reArrive)}, ` +
            `CLOSED at ${ms(cc)}` +
            (cc !== undefined && reArrive !== undefined ? ` = ${ms(reArrive)} + ${formatDuration(cc - reArrive)}` : ''),
        ];
      },
      { finRetransmittedAt: retransmittedAt ?? -1 },
    );
    return result(def, w, [run]);
  },
};
