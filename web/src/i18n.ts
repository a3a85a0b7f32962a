// The page's words in English and Chinese. The guided scenarios follow the seed text (a Chinese
// article on TCP connection release), retold in our own words; each step says what happens, what
// the step's button does, and what to look at afterwards.

export type Lang = 'en' | 'zh';

const en = {
  title: 'finack playground: close a TCP connection, lose a segment, watch TIME-WAIT',
  intro:
    'A real TCP stack (finack) runs in this page: a client and a server on a simulated network in virtual time. Nothing leaves your browser.',
  language: 'Language',
  time: 'Time',
  play: 'Play',
  pause: 'Pause',
  speed: 'Speed (virtual ms per real ms)',
  stepBy: 'Step (ms)',
  step: 'Advance',
  nextEvent: 'Next event',
  reset: 'Reset',
  now: 'Virtual time',
  client: 'Client',
  server: 'Server',
  connect: 'connect()',
  send: 'write()',
  sendText: 'Data to write',
  end: 'end() (half-close)',
  close: 'close()',
  abort: 'abort (RST)',
  faults: 'Faults',
  dropAny: 'Drop its next segment',
  dropFin: 'Drop its next FIN',
  dropFinalAck: 'Drop its final ACK',
  cut: 'Cut the path (peer vanishes)',
  heal: 'Restore the path',
  oldDup: 'Deliver an old duplicate to the client',
  network: 'Network, per direction',
  c2s: 'client → server',
  s2c: 'server → client',
  latency: 'Delay (ms)',
  jitter: 'Jitter (ms)',
  loss: 'Loss (0–1)',
  tcp: 'TCP settings (changing MSL, timestamps, port or seed resets)',
  msl: 'MSL (ms)',
  timestamps: 'Timestamps',
  clientPort: 'Client port (0 = ephemeral)',
  seed: 'Seed',
  keepalive: 'Keepalive',
  kaClient: 'on the client',
  kaServer: 'on the server',
  kaIdle: 'Idle (ms)',
  kaInterval: 'Interval (ms)',
  kaCount: 'Probes',
  state: 'State',
  passed: 'States passed',
  diagram: 'RFC 9293 state diagram',
  timers: 'Timers',
  noTimers: 'no timer running',
  seq: 'Sequence spaces (relative)',
  noTcb: 'no TCB (no live connection)',
  twRecord:
    'TIME-WAIT: the TCB is gone; a compact record keeps the 4-tuple and the sequence numbers for 2×MSL, enough to ACK a retransmitted FIN.',
  received: 'Received',
  ladder: 'Ladder diagram',
  inFlight: 'in flight',
  ss: 'Connections (ss -tan)',
  ssState: 'State',
  ssHost: 'Host',
  ssRecvQ: 'Recv-Q',
  ssSendQ: 'Send-Q',
  ssLocal: 'Local',
  ssPeer: 'Peer',
  ssTimer: 'Timer',
  export: 'Export',
  exportJson: 'Trace as JSON',
  exportPcap: 'Trace as pcap',
  exportSvg: 'Diagram as SVG',
  share: 'Share link',
  shareLabel: 'Link to this scenario and these settings',
  guides: 'Guided scenarios',
  guide: 'Scenario',
  free: 'Free play (no guide)',
  doStep: 'Do this step',
  prevStep: 'Back to start',
  stepOf: 'Step {n} of {m}',
  look: 'Look at',
  finished: 'Scenario finished.',
  explain: 'What just happened',
  restarted: 'restarted ×{n}',
  left: '{ms} left',
  error: 'Refused',
} as const;

export type UiKey = keyof typeof en;

const zh: Record<UiKey, string> = {
  title: 'finack 演练场：关闭一个 TCP 连接，丢掉一个报文段，看 TIME-WAIT 做什么',
  intro:
    '这个页面里运行的是真正的 TCP 协议栈（finack）：客户端和服务器在虚拟时间的模拟网络上。所有数据都不会离开你的浏览器。',
  language: '语言',
  time: '时间',
  play: '播放',
  pause: '暂停',
  speed: '速度（每真实毫秒的虚拟毫秒数）',
  stepBy: '步长（毫秒）',
  step: '前进',
  nextEvent: '下一个事件',
  reset: '重置',
  now: '虚拟时间',
  client: '客户端',
  server: '服务器',
  connect: 'connect()',
  send: 'write()',
  sendText: '要写入的数据',
  end: 'end()（半关闭）',
  close: 'close()',
  abort: '中止（RST）',
  faults: '故障',
  dropAny: '丢弃它的下一个报文段',
  dropFin: '丢弃它的下一个 FIN',
  dropFinalAck: '丢弃它的最后一个 ACK',
  cut: '切断路径（对端消失）',
  heal: '恢复路径',
  oldDup: '向客户端投递一个旧的重复报文段',
  network: '网络（每个方向）',
  c2s: '客户端 → 服务器',
  s2c: '服务器 → 客户端',
  latency: '时延（毫秒）',
  jitter: '抖动（毫秒）',
  loss: '丢包率（0–1）',
  tcp: 'TCP 设置（修改 MSL、时间戳、端口或种子会重置）',
  msl: 'MSL（毫秒）',
  timestamps: '时间戳',
  clientPort: '客户端端口（0 = 临时端口）',
  seed: '种子',
  keepalive: '保活',
  kaClient: '在客户端',
  kaServer: '在服务器',
  kaIdle: '空闲（毫秒）',
  kaInterval: '间隔（毫秒）',
  kaCount: '探测次数',
  state: '状态',
  passed: '经历过的状态',
  diagram: 'RFC 9293 状态图',
  timers: '计时器',
  noTimers: '没有运行中的计时器',
  seq: '序号空间（相对值）',
  noTcb: '没有 TCB（没有活动连接）',
  twRecord: 'TIME-WAIT：TCB 已撤销，只留下一条精简记录（四元组和序号），保存 2×MSL，足以再次确认重传的 FIN。',
  received: '已收到',
  ladder: '时序图',
  inFlight: '传输中',
  ss: '连接（ss -tan）',
  ssState: '状态',
  ssHost: '主机',
  ssRecvQ: 'Recv-Q',
  ssSendQ: 'Send-Q',
  ssLocal: '本地',
  ssPeer: '对端',
  ssTimer: '计时器',
  export: '导出',
  exportJson: '轨迹（JSON）',
  exportPcap: '轨迹（pcap）',
  exportSvg: '时序图（SVG）',
  share: '分享链接',
  shareLabel: '指向此场景和这些设置的链接',
  guides: '引导场景',
  guide: '场景',
  free: '自由操作（无引导）',
  doStep: '执行这一步',
  prevStep: '回到开头',
  stepOf: '第 {n} 步，共 {m} 步',
  look: '请看',
  finished: '场景结束。',
  explain: '刚刚发生了什么',
  restarted: '已重启 {n} 次',
  left: '剩余 {ms}',
  error: '被拒绝',
};

export const UI: Record<Lang, Record<UiKey, string>> = { en, zh };

export function fill(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

export interface StepText {
  /** What happens in this step, before its action. */
  text: string;
  /** What the step's button does. */
  action: string;
  /** What to look at when it has run. */
  look: string;
}

export interface GuideText {
  title: string;
  intro: string;
  steps: Record<string, StepText>;
}

const connectEn: StepText = {
  text: 'Both sides start with no connection; the server listens on port 80. The client opens a connection: the three-way handshake.',
  action: 'client: connect()',
  look: 'Both state labels read ESTABLISHED. The ladder shows SYN, SYN,ACK, ACK.',
};
const connectZh: StepText = {
  text: '一开始双方没有连接，服务器在 80 端口监听。客户端发起连接：三次握手。',
  action: '客户端：connect()',
  look: '两边的状态都是 ESTABLISHED。时序图里是 SYN、SYN,ACK、ACK。',
};

const guidesEn: Record<string, GuideText> = {
  close: {
    title: 'The four-way close',
    intro:
      'Either side may announce that it has finished sending; once the other acknowledges, the connection is half-closed. When the other side has nothing more to send, it announces the same, and after that is acknowledged the connection is gone. Like a phone call: "I have nothing more to say." "Understood" — and the other may still talk for a while before saying "I am done too."',
    steps: {
      connect: connectEn,
      'client-fin': {
        text: 'The client has sent all its data and closes its sending side. Its FIN carries seq = u (one past its last data byte); a FIN uses up one sequence number even without data.',
        action: 'client: end()',
        look: 'Client FIN-WAIT-1. The server receives the FIN, answers with ACK, ack = u+1, seq = v, and is in CLOSE-WAIT: the client → server direction is closed, the other is still open.',
      },
      'fin-wait-2': {
        text: 'The ACK travels back to the client.',
        action: 'let time run',
        look: "Client FIN-WAIT-2: it waits for the server's FIN, and must still accept the server's data until then.",
      },
      'last-data': {
        text: 'In CLOSE-WAIT the server may still send. It sends its last data.',
        action: 'server: write("bye from server")',
        look: 'The data arrives at the client in FIN-WAIT-2 and is read: a half-closed connection still carries data one way.',
      },
      'server-fin': {
        text: 'The server has nothing more to send and closes: FIN, seq = w, ack = u+1.',
        action: 'server: close()',
        look: 'Server LAST-ACK. The client answers with ACK, seq = u+1, ack = w+1, and enters TIME-WAIT: its 2MSL countdown starts.',
      },
      'server-closed': {
        text: 'The final ACK reaches the server.',
        action: 'let time run',
        look: 'Server CLOSED at once; the client is still in TIME-WAIT. The server is released earlier than the client.',
      },
      'time-wait': {
        text: 'The client waits 2×MSL before it drops its TCB.',
        action: 'let time run',
        look: 'The 2MSL bar runs out and the client is CLOSED. Every state both sides passed through is listed under their labels.',
      },
    },
  },
  'server-earlier': {
    title: 'Why the server is CLOSED earlier',
    intro:
      'The side that closes first (here the client) ends in TIME-WAIT. The side that closes second is CLOSED as soon as its FIN is acknowledged. So the server, closing second, is released well before the client.',
    steps: {
      connect: connectEn,
      'client-close': {
        text: 'The client closes first.',
        action: 'client: close()',
        look: 'Client FIN-WAIT-1 then FIN-WAIT-2, server CLOSE-WAIT.',
      },
      'server-close': {
        text: 'The server closes too.',
        action: 'server: close()',
        look: "Server LAST-ACK, then CLOSED the moment the client's ACK arrives. The client is in TIME-WAIT with a 2MSL countdown. Compare the ss table: only the client still holds a row.",
      },
      'client-waits': {
        text: "The client keeps the connection's memory for 2×MSL.",
        action: 'let time run',
        look: 'The client is CLOSED 2×MSL after it entered TIME-WAIT, long after the server.',
      },
    },
  },
  'time-wait': {
    title: 'Why TIME-WAIT waits 2MSL: the lost final ACK',
    intro:
      "First reason: the client's last ACK may be lost. The server, still in LAST-ACK, thinks its FIN was not received and sends it again. Within 2MSL the client is still there to answer it, and it restarts its 2MSL timer. (The second reason, old duplicates, is the next scenario.)",
    steps: {
      connect: connectEn,
      arm: {
        text: "We tell the network to drop the client's final ACK, then the client closes.",
        action: "network: drop the client's final ACK; client: close()",
        look: 'Client FIN-WAIT-2, server CLOSE-WAIT.',
      },
      'lost-ack': {
        text: 'The server closes. The client enters TIME-WAIT and sends the final ACK, which is lost.',
        action: 'server: close()',
        look: "The final ACK ends in a cross half-way. The server stays in LAST-ACK with its retransmission timer running; the client's 2MSL bar has started.",
      },
      retransmit: {
        text: "The server's retransmission timer fires: it sends its FIN again.",
        action: 'let time run',
        look: 'The retransmitted FIN reaches the client in TIME-WAIT, which ACKs it again; its 2MSL countdown restarts (the bar is full again, "restarted ×1"). This ACK gets through: the server is CLOSED.',
      },
      done: {
        text: 'The client now waits a full 2×MSL from the restart.',
        action: 'let time run',
        look: 'Client CLOSED. Without TIME-WAIT, the retransmitted FIN would have met no connection and been answered with a RST.',
      },
    },
  },
  'half-close': {
    title: 'Why four segments to close and not three',
    intro:
      "Opening takes three segments because the server's SYN and its ACK travel together. Closing usually takes four: when the client's FIN arrives the server may still have data to send, so it can only acknowledge the FIN now and send its own FIN later.",
    steps: {
      connect: connectEn,
      'client-end': {
        text: 'The client is done sending.',
        action: 'client: end()',
        look: 'The server acknowledges the FIN at once with a pure ACK: client FIN-WAIT-2, server CLOSE-WAIT.',
      },
      'more-data': {
        text: 'The server still has data to send.',
        action: 'server: write(part 1)',
        look: 'Data flows server → client while the client is in FIN-WAIT-2.',
      },
      'more-data-2': {
        text: 'More data.',
        action: 'server: write(part 2)',
        look: 'The client reads it: see "Received".',
      },
      'server-fin': {
        text: 'Only now is the server done: its FIN goes separately from the ACK it sent long before.',
        action: 'server: close()',
        look: 'Count the closing segments: FIN, ACK, FIN, ACK — four, with data in between.',
      },
      done: { text: 'TIME-WAIT ends.', action: 'let time run', look: 'Both sides CLOSED.' },
    },
  },
  'old-duplicate': {
    title: 'Why TIME-WAIT waits 2MSL: an old duplicate corrupts a new connection',
    intro:
      'Second reason: segments of a connection may linger in the network. Waiting 2×MSL lets them all expire before the same 4-tuple is used again. Here TIME-WAIT is skipped (MSL = 0, the client always uses port 5000, timestamps off) and we watch what goes wrong.',
    steps: {
      connect: connectEn,
      'old-data': {
        text: 'On the first connection the server sends 8000 bytes of "O".',
        action: 'server: write(8000 × "O")',
        look: 'The client has received 8000 bytes of the first connection.',
      },
      'close-fast': { text: 'The client closes.', action: 'client: close()', look: 'Server CLOSE-WAIT.' },
      'no-time-wait': {
        text: 'The server closes. With MSL = 0 the client passes through TIME-WAIT in no time.',
        action: 'server: close()',
        look: 'Both CLOSED at once: no 2MSL wait.',
      },
      reconnect: {
        text: 'The client connects again from port 5000: the very same 4-tuple, a new connection.',
        action: 'client: connect()',
        look: 'Both ESTABLISHED again; the ss table shows the same addresses and ports as before.',
      },
      'old-copy': {
        text: "A copy of one of the first connection's segments, delayed in the network, arrives now. Its sequence number happens to lie in the new connection's receive window.",
        action: 'network: deliver the old copy',
        look: 'The client accepts it (held out of order, ahead of RCV.NXT): nothing tells it the segment belongs to a dead connection.',
      },
      corrupted: {
        text: 'The server of the new connection sends 8000 bytes of "n".',
        action: 'server: write(8000 × "n")',
        look: '"Received" shows "O" bytes of the old connection inside the new stream: corrupted. With TIME-WAIT the reconnect from port 5000 would have been refused (EADDRINUSE) until the old segments had died out.',
      },
    },
  },
  keepalive: {
    title: 'Keepalive: detecting a dead peer',
    intro:
      'If the client fails without a word, the server would wait forever. Keepalive resets a timer on every segment received; after the idle time it sends a probe, then one every interval; after the given number of unanswered probes it declares the peer dead and closes. (Usual values: 2 hours, 75 s, 10 probes; here 5 s, 1 s, 3.)',
    steps: {
      connect: connectEn,
      vanish: {
        text: 'The client vanishes: the path is cut, no FIN and no RST will ever come.',
        action: 'network: cut the path',
        look: "The server's keepalive bar counts down the idle time.",
      },
      probe: {
        text: 'The idle time passes.',
        action: 'let time run',
        look: 'The server sends a probe (an ACK with seq = SND.NXT − 1); it is lost on the cut path.',
      },
      dead: {
        text: 'No probe is answered.',
        action: 'let time run',
        look: 'After the last unanswered probe the server gives up: ETIMEDOUT, a RST, and CLOSED. The client still believes it is ESTABLISHED.',
      },
    },
  },
};

const guidesZh: Record<string, GuideText> = {
  close: {
    title: '四次挥手',
    intro:
      '任何一方在数据发送完毕后都可以发出连接释放通知，对方确认后进入半关闭状态。当另一方也没有数据要发送时，再发出连接释放通知，对方确认后连接才完全关闭。就像打电话：A 说“我没什么要说的了”，B 说“我知道了”，但 B 可能还要再说几句，最后 B 说“我说完了”，A 回答“知道了”。',
    steps: {
      connect: connectZh,
      'client-fin': {
        text: '客户端的数据已发送完毕，关闭自己的发送方向。它的 FIN 报文 seq = u（最后一个数据字节的序号加 1）；FIN 即使不带数据也要占用一个序号。',
        action: '客户端：end()',
        look: '客户端进入 FIN-WAIT-1。服务器收到 FIN 后回复 ACK，ack = u+1，seq = v，进入 CLOSE-WAIT：客户端到服务器方向已关闭，另一方向仍然打开。',
      },
      'fin-wait-2': {
        text: 'ACK 传回客户端。',
        action: '让时间流逝',
        look: '客户端进入 FIN-WAIT-2：等待服务器的 FIN，在此之前仍要接收服务器发来的数据。',
      },
      'last-data': {
        text: '处于 CLOSE-WAIT 的服务器仍然可以发送数据。它发出最后的数据。',
        action: '服务器：write("bye from server")',
        look: '数据到达处于 FIN-WAIT-2 的客户端并被读取：半关闭的连接仍能单向传数据。',
      },
      'server-fin': {
        text: '服务器也没有数据要发了，关闭连接：FIN，seq = w，ack = u+1。',
        action: '服务器：close()',
        look: '服务器进入 LAST-ACK。客户端回复 ACK，seq = u+1，ack = w+1，进入 TIME-WAIT：2MSL 倒计时开始。',
      },
      'server-closed': {
        text: '最后的 ACK 到达服务器。',
        action: '让时间流逝',
        look: '服务器立即进入 CLOSED，客户端还在 TIME-WAIT。服务器比客户端更早结束连接。',
      },
      'time-wait': {
        text: '客户端要等待 2×MSL 才撤销 TCB。',
        action: '让时间流逝',
        look: '2MSL 计时条走完，客户端进入 CLOSED。双方经历过的所有状态都列在各自的状态标签下面。',
      },
    },
  },
  'server-earlier': {
    title: '为什么服务器更早关闭',
    intro:
      '先关闭的一方（这里是客户端）最后停在 TIME-WAIT；后关闭的一方在自己的 FIN 被确认后立即 CLOSED。所以后关闭的服务器比客户端早得多被释放。',
    steps: {
      connect: connectZh,
      'client-close': {
        text: '客户端先关闭。',
        action: '客户端：close()',
        look: '客户端 FIN-WAIT-1，然后 FIN-WAIT-2；服务器 CLOSE-WAIT。',
      },
      'server-close': {
        text: '服务器也关闭。',
        action: '服务器：close()',
        look: '服务器进入 LAST-ACK，客户端的 ACK 一到就 CLOSED。客户端在 TIME-WAIT，2MSL 倒计时中。看 ss 表：只有客户端还有一行。',
      },
      'client-waits': {
        text: '客户端把连接的记录保留 2×MSL。',
        action: '让时间流逝',
        look: '客户端在进入 TIME-WAIT 2×MSL 之后才 CLOSED，远晚于服务器。',
      },
    },
  },
  'time-wait': {
    title: '为什么 TIME-WAIT 要等 2MSL：丢失的最后一个 ACK',
    intro:
      '第一个理由：客户端最后发出的 ACK 可能丢失。服务器还在 LAST-ACK，会认为自己的 FIN 没有被收到，于是重传 FIN。客户端在 2MSL 时间内还在，能收到这个重传的 FIN 并再次回复，同时重启 2MSL 计时器。（第二个理由“旧的重复报文段”见下一个场景。）',
    steps: {
      connect: connectZh,
      arm: {
        text: '让网络丢弃客户端的最后一个 ACK，然后客户端关闭。',
        action: '网络：丢弃客户端的最后一个 ACK；客户端：close()',
        look: '客户端 FIN-WAIT-2，服务器 CLOSE-WAIT。',
      },
      'lost-ack': {
        text: '服务器关闭。客户端进入 TIME-WAIT 并发出最后的 ACK，但它丢了。',
        action: '服务器：close()',
        look: '最后的 ACK 在半路以叉号结束。服务器停在 LAST-ACK，重传计时器在走；客户端的 2MSL 计时条已开始。',
      },
      retransmit: {
        text: '服务器的重传计时器到期：它再次发送 FIN。',
        action: '让时间流逝',
        look: '重传的 FIN 到达处于 TIME-WAIT 的客户端，客户端再次回复 ACK，2MSL 倒计时重启（计时条又满了，“已重启 1 次”）。这次 ACK 送达，服务器 CLOSED。',
      },
      done: {
        text: '客户端从重启时刻起再等满 2×MSL。',
        action: '让时间流逝',
        look: '客户端 CLOSED。如果没有 TIME-WAIT，重传的 FIN 会找不到连接，只能得到一个 RST。',
      },
    },
  },
  'half-close': {
    title: '为什么建立连接是三次握手，关闭连接却是四次挥手',
    intro:
      '建立连接只需三个报文段，因为服务器的 SYN 和 ACK 可以一起发送。关闭通常需要四个：客户端的 FIN 到达时，服务器可能还有数据要发送，只能先确认 FIN，稍后再发送自己的 FIN。',
    steps: {
      connect: connectZh,
      'client-end': {
        text: '客户端发送完毕。',
        action: '客户端：end()',
        look: '服务器立即用一个单独的 ACK 确认 FIN：客户端 FIN-WAIT-2，服务器 CLOSE-WAIT。',
      },
      'more-data': {
        text: '服务器还有数据要发送。',
        action: '服务器：write(第 1 部分)',
        look: '客户端处于 FIN-WAIT-2 时，数据仍从服务器流向客户端。',
      },
      'more-data-2': { text: '更多数据。', action: '服务器：write(第 2 部分)', look: '客户端读到了数据：见“已收到”。' },
      'server-fin': {
        text: '直到现在服务器才发送完毕：它的 FIN 与早先的 ACK 是分开发送的。',
        action: '服务器：close()',
        look: '数一数关闭用的报文段：FIN、ACK、FIN、ACK —— 四个，中间还有数据。',
      },
      done: { text: 'TIME-WAIT 结束。', action: '让时间流逝', look: '双方都 CLOSED。' },
    },
  },
  'old-duplicate': {
    title: '为什么 TIME-WAIT 要等 2MSL：旧的重复报文段破坏新连接',
    intro:
      '第二个理由：一个连接的报文段可能滞留在网络中。等待 2×MSL 可以让它们全部消失，然后才能再次使用同一个四元组。这里跳过了 TIME-WAIT（MSL = 0，客户端总用 5000 端口，关闭时间戳），看看会出什么问题。',
    steps: {
      connect: connectZh,
      'old-data': {
        text: '在第一个连接上，服务器发送 8000 个字节的 “O”。',
        action: '服务器：write(8000 × "O")',
        look: '客户端收到了第一个连接的 8000 个字节。',
      },
      'close-fast': { text: '客户端关闭。', action: '客户端：close()', look: '服务器 CLOSE-WAIT。' },
      'no-time-wait': {
        text: '服务器关闭。MSL = 0，客户端瞬间走过 TIME-WAIT。',
        action: '服务器：close()',
        look: '双方立即 CLOSED：没有 2MSL 等待。',
      },
      reconnect: {
        text: '客户端再次从 5000 端口连接：完全相同的四元组，一个新的连接。',
        action: '客户端：connect()',
        look: '双方再次 ESTABLISHED；ss 表中的地址和端口与之前完全相同。',
      },
      'old-copy': {
        text: '第一个连接的一个报文段的副本在网络中被延迟，现在才到达。它的序号恰好落在新连接的接收窗口内。',
        action: '网络：投递这个旧副本',
        look: '客户端接受了它（乱序保存，在 RCV.NXT 之前）：没有任何东西告诉它这个报文段属于已经死掉的连接。',
      },
      corrupted: {
        text: '新连接的服务器发送 8000 个字节的 “n”。',
        action: '服务器：write(8000 × "n")',
        look: '“已收到”显示新数据流中混入了旧连接的 “O”：数据被破坏。如果有 TIME-WAIT，从 5000 端口重新连接会被拒绝（EADDRINUSE），直到旧报文段都消失。',
      },
    },
  },
  keepalive: {
    title: '保活：发现失效的对端',
    intro:
      '如果客户端突然出现故障，服务器不能一直等下去。保活计时器在每收到一个报文段时复位；空闲时间过后发送一个探测报文段，之后每隔一个间隔发送一次；连续若干个探测都没有回应，就认为对端出了故障，关闭连接。（通常是 2 小时、75 秒、10 次；这里是 5 秒、1 秒、3 次。）',
    steps: {
      connect: connectZh,
      vanish: {
        text: '客户端消失了：路径被切断，不会再有 FIN 或 RST。',
        action: '网络：切断路径',
        look: '服务器的保活计时条在倒数空闲时间。',
      },
      probe: {
        text: '空闲时间过去。',
        action: '让时间流逝',
        look: '服务器发送探测报文段（一个 seq = SND.NXT − 1 的 ACK）；它在被切断的路径上丢失。',
      },
      dead: {
        text: '没有任何探测得到回应。',
        action: '让时间流逝',
        look: '最后一个探测没有回应后，服务器放弃：ETIMEDOUT，发送 RST，进入 CLOSED。客户端仍以为自己是 ESTABLISHED。',
      },
    },
  },
};

export const GUIDE_TEXT: Record<Lang, Record<string, GuideText>> = { en: guidesEn, zh: guidesZh };

/** Timer names in Chinese (the English ones are the diagrams' TIMER_LABELS). */
export const ZH_TIMERS: Record<string, string> = {
  retransmit: '重传计时器',
  persist: '坚持计时器',
  'delayed-ack': '延迟确认计时器',
  keepalive: '保活计时器',
  'fin-wait-2': 'FIN-WAIT-2 计时器',
  'time-wait': '2MSL 计时器（TIME-WAIT）',
  'user-timeout': '用户超时',
};

/** State-change explanations in Chinese for the common changes (English ones come from trace/explain.ts). */
export const ZH_TRANSITIONS: Record<string, string> = {
  'CLOSED>SYN-SENT': '主动打开：发送 SYN，等待对方的 SYN,ACK。',
  'CLOSED>LISTEN': '被动打开：等待连接请求。',
  'LISTEN>SYN-RECEIVED': '收到 SYN，回复 SYN,ACK，等待对方确认。',
  'SYN-SENT>ESTABLISHED': '收到 SYN,ACK 并回复 ACK：连接建立。',
  'SYN-RECEIVED>ESTABLISHED': '收到对 SYN 的确认：连接建立。',
  'ESTABLISHED>FIN-WAIT-1': '应用关闭（或半关闭）：发送 FIN，等待它被确认。',
  'ESTABLISHED>CLOSE-WAIT': '收到对方的 FIN 并确认：对方不再发送，本方仍可发送，等待应用关闭。',
  'FIN-WAIT-1>FIN-WAIT-2': '本方的 FIN 被确认：等待对方的 FIN，期间仍接收数据。',
  'FIN-WAIT-1>CLOSING': '双方同时关闭：收到对方的 FIN，自己的 FIN 还未被确认。',
  'FIN-WAIT-1>TIME-WAIT': '对方的 FIN 与对本方 FIN 的确认一起到达：进入 TIME-WAIT。',
  'FIN-WAIT-2>TIME-WAIT': '收到对方的 FIN 并回复最后的 ACK：等待 2×MSL（最后的 ACK 可能丢失；旧报文段要消失）。',
  'CLOSING>TIME-WAIT': '本方的 FIN 被确认：等待 2×MSL。',
  'CLOSE-WAIT>LAST-ACK': '应用关闭：发送 FIN，等待最后的 ACK。',
  'LAST-ACK>CLOSED': '收到最后的 ACK：立即撤销 TCB，连接结束。',
  'TIME-WAIT>CLOSED': '2MSL 计时器到期：撤销 TCB，连接结束。',
};
