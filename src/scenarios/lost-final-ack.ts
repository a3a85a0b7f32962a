// `lost-final-ack`: the first reason for TIME-WAIT in the seed text. The client's last ACK is lost;
// the server, in LAST-ACK, retransmits its FIN; the client, still in TIME-WAIT, ACKs it again and
// restarts the 2MSL wait (RFC 9293 §3.10.7.4, eighth step, TIME-WAIT).

import { matchers } from '../sim/index.js';
import { formatDuration } from '../trace/ladder.js';
import { FIN, RST } from '../wire/segment.js';
import { afterHandshake, CLIENT, ms, SERVER, sent } from './world.js';

const info = {
  name: 'lost-final-ack',
  title: 'lost final ACK: the server retransmits its FIN, the client re-ACKs and restarts 2MSL',
  description:
    "The client closes, the server ACKs and closes. The client's final ACK is lost on the way. The " +
    'server, stuck in LAST-ACK, retransmits its FIN when its retransmission timer fires; the client is ' +
    'still in TIME-WAIT, so it ACKs again and restarts the 2×MSL wait. Without TIME-WAIT the ' +
    'retransmitted FIN would have met no connection and been answered with a RST.',
};

export const lostFinalAckScenario = afterHandshake(info, (w, { c, s }) => {
  w.note('client app: close()');
  c.close();
  w.net.runUntil(() => s.state === 'CLOSE-WAIT');
  w.note('server app: close()');
  s.close();
  // The next pure ACK from the client is the one for the server's FIN.
  w.net.fault({ from: CLIENT, match: matchers.pureAck, nth: 1, action: 'drop' });
  w.net.run();
  const events = w.events();
  const finSends = sent(events, SERVER, (f) => (f & FIN) !== 0);
  const retransmittedAt = finSends[1]?.t;
  const twArmed = events.filter(
    (e) => e.type === 'timer' && e.endpoint === CLIENT && e.timer === 'time-wait' && e.action === 'armed',
  );
  const restartedAt = twArmed[1]?.t;
  const reset = sent(events, CLIENT, (f) => (f & RST) !== 0)[0];
  return {
    summary: (f) => {
      const cc = f.closedAt[CLIENT];
      const lines = [
        `server retransmitted its FIN at ${ms(retransmittedAt)}; it was CLOSED at ${ms(f.closedAt[SERVER])}`,
      ];
      if (restartedAt !== undefined && cc !== undefined) {
        lines.push(
          `client entered TIME-WAIT at ${ms(f.timeWaitAt[CLIENT])}, ACKed the FIN again and restarted 2MSL at ` +
            `${ms(restartedAt)}: CLOSED at ${ms(cc)} = ${ms(restartedAt)} + ${formatDuration(cc - restartedAt)}`,
        );
      } else {
        lines.push(
          `client left TIME-WAIT at ${ms(cc)}, before the FIN came back: it answered with a RST at ${ms(reset?.t)}, ` +
            'not the ACK the server wanted (what a long enough TIME-WAIT prevents)',
        );
      }
      return lines;
    },
    extra: { finRetransmittedAt: retransmittedAt ?? -1, timeWaitRestartedAt: restartedAt ?? -1 },
  };
});
