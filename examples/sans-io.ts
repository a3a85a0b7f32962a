import { Connection, type Segment } from 'finack';

// The core is pure: you hand it segments and the time, it hands back segments and events.
// Here two connections are wired back to back by hand, with no network and no clock.
const a = new Connection({ localPort: 40000, remotePort: 80, iss: 1000 });
const b = new Connection({ localPort: 80, remotePort: 40000, iss: 5000 });

let now = 0;
function deliver(to: Connection, segments: Segment[]): void {
  for (const seg of segments) {
    const out = to.handleSegment(seg, now);
    for (const ev of out.events) console.log(to === a ? 'a' : 'b', ev.type, to.state);
    deliver(to === a ? b : a, out.segments); // answer straight back
  }
}

b.listen(now);
deliver(b, a.connect(now).segments); // SYN -> SYN,ACK -> ACK
deliver(b, a.shutdown(now).segments); // a's FIN: b enters CLOSE-WAIT, a FIN-WAIT-2
deliver(a, b.close(now).segments); // b's FIN: a enters TIME-WAIT, b CLOSED

console.log(a.state, a.nextDeadline()); // TIME-WAIT 60000: 2 x MSL from now
now = a.nextDeadline()!;
a.handleTimeout(now);
console.log(a.state); // CLOSED
