// `lost-fin`: the client's FIN is lost; its retransmission timer fires and the FIN goes again (a FIN
// occupies a sequence number, so it is retransmitted like data: RFC 9293 §3.10.4, §3.8.1).

import { matchers } from '../sim/index.js';
import { FIN } from '../wire/segment.js';
import { afterHandshake, CLIENT, ms, SERVER, sent } from './world.js';

const info = {
  name: 'lost-fin',
  title: "lost FIN: the client's FIN is lost and retransmitted after the RTO",
  description:
    'The client closes, but its FIN is lost on the way. The client stays in FIN-WAIT-1 (the FIN is ' +
    'unacknowledged) until its retransmission timer fires and sends the FIN again; from then on the ' +
    'close proceeds as usual and the client ends in TIME-WAIT.',
};

export const lostFinScenario = afterHandshake(info, (w, { c, s }) => {
  w.net.fault({ from: CLIENT, match: matchers.fin, nth: 1, action: 'drop' });
  w.note('client app: close()');
  c.close();
  w.net.runUntil(() => s.state === 'CLOSE-WAIT');
  w.note('server app: close()');
  s.close();
  w.net.run();
  const fins = sent(w.events(), CLIENT, (f) => (f & FIN) !== 0);
  const again = fins[1]?.t;
  return {
    summary: (f) => [
      `client's FIN lost at ${ms(fins[0]?.t)}, retransmitted at ${ms(again)} (RTO)`,
      `server CLOSED at ${ms(f.closedAt[SERVER])}, client CLOSED at ${ms(f.closedAt[CLIENT])} after TIME-WAIT`,
    ],
    extra: { finRetransmittedAt: again ?? -1 },
  };
});
