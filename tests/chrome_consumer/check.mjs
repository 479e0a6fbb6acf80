// Loads a Chrome trace-event file (from `mpi-tutor export --format chrome`)
// with the trace engine of the Chrome DevTools performance panel, published
// as @paulirish/trace_engine, and prints as JSON what the engine made of it:
// the tracks (threads) it built with their names, the complete slices and
// instant events on each, and the flows it bound (each as the events at its
// ends). tests/export_consumer.rs compares that with the recorded run.
//
//   node check.mjs FILE.json
//
// Exit status 0 with the JSON on stdout, or 1 with the engine's error.

import fs from 'node:fs';

// The engine is written for a browser: the package's own helper supplies the
// DOMRect it expects (see its README), and URL.parse is added for Node
// releases older than 20.18 (Debian 12's Node 18), with the standard meaning.
import {polyfillDOMRect} from '@paulirish/trace_engine/analyze-trace.mjs';
import * as Trace from '@paulirish/trace_engine';

polyfillDOMRect();
if (typeof URL.parse !== 'function') {
  URL.parse = (url, base) => {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  };
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node check.mjs FILE.json');
  process.exit(2);
}

const engineVersion = JSON.parse(
    fs.readFileSync(new URL('./node_modules/@paulirish/trace_engine/package.json', import.meta.url), 'utf8'),
).version;

const json = JSON.parse(fs.readFileSync(file, 'utf8'));
// The engine takes the event array; a file may also be just that array.
const traceEvents = Array.isArray(json) ? json : json.traceEvents;

const model = Trace.TraceModel.Model.createWithAllHandlers();
await model.parse(traceEvents);
const parsed = model.parsedTrace();
if (!parsed) {
  console.error('the trace engine produced no parsed trace');
  process.exit(1);
}
const data = parsed.data;

/** The parts of an event a test compares: where it is and what it is. */
function brief(event) {
  return {
    pid: event.pid,
    tid: event.tid,
    ph: event.ph,
    name: event.name,
    cat: event.cat,
    ts: event.ts,
    call: event.args?.call ?? null,
  };
}

// The threads as the performance panel lays them out as tracks.
const tracks = Trace.Handlers.Threads.threadsInTrace(data).map(thread => {
  const slices = thread.entries.filter(e => Trace.Types.Events.isComplete(e));
  const instants = thread.entries.filter(e => Trace.Types.Events.isInstant(e));
  return {
    pid: thread.pid,
    tid: thread.tid,
    name: thread.name,
    type: thread.type,
    // Entries the engine placed in the thread's tree of nested events.
    in_tree: thread.entries.filter(e => thread.entryToNode.has(e)).length,
    slices: slices.map(e => ({name: e.name, cat: e.cat, ts: e.ts, dur: e.dur, call: e.args?.call ?? null})),
    instants: instants.map(e => ({name: e.name, scope: e.s ?? null, ts: e.ts})),
  };
});

const processes = [...data.Meta.processNames.values()].map(e => ({pid: e.pid, name: e.args?.name ?? null}));

const out = {
  consumer: '@paulirish/trace_engine',
  version: engineVersion,
  node: process.version,
  generic: data.Meta.traceIsGeneric,
  processes,
  tracks,
  flows: data.Flows.flows.map(flow => flow.map(brief)),
};
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
