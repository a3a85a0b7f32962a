// The first Tcbs a process makes, made at once. V8 settles how many fields the instances of a class
// keep inside the object after its first few constructions (in-object slack tracking), judging by
// the objects of that class still alive then. In a long-running process the first Tcbs may all be
// gone by that moment; V8 then gives every later Tcb its fields out of line, and a dictionary of
// properties while it is being built: slower field access and about three times the memory per
// connection (seen in `npm run bench`'s full run: 3,885 B per idle connection against 1,018 B when
// the memory row ran alone). Eight Tcbs made here one after another, all alive together, settle the
// layout with every field in place. They are dropped at once: nothing here outlives this module's
// evaluation, and it does no I/O.

import { resolveConfig } from './config.js';
import { Tcb } from './tcb.js';
import { NO_TRACE } from './trace.js';

const shared = { trace: NO_TRACE, drops: undefined, challengeBudget: undefined, endpoint: '' };
const cfg = resolveConfig({});
const warm: Tcb[] = [];
for (let i = 0; i < 8; i++) warm.push(new Tcb({ localPort: 1, remotePort: 2, iss: i, tsOffset: 0, cfg, shared }));
warm.length = 0;
