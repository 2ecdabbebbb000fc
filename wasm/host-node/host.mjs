// A Node.js host for the leaderelection WASI module: three candidates in one
// process elect a leader over a compare-and-swap store written here, on a
// virtual clock (deterministic; nothing sleeps). The story: one leader; the
// leader dies (the host stops feeding it); another takes over after the
// lease; that one resigns and the lease is handed over at once; all stop.
//
//   node host.mjs path/to/leaderelection.wasm
//
// It prints the timeline and exits 1 if two candidates ever lead at once
// (asked of the module, le_is_leader, after every input), 2 if the story
// does not happen as it must.

import process from 'node:process';
import { Plugin, TICK, GOT, WRITTEN, WATCH, RESIGN, STOP, OK, NOT_FOUND, CONFLICT, ERROR, CHANGED } from './plugin.mjs';

const MS = 1_000_000n;
const T0 = 1_735_689_600_000n * MS; // 2025-01-01T00:00:00Z: record times read as real dates
const CFG = { lease: 2000n * MS, renew: 1500n * MS, retry: 500n * MS };
const LATENCY = 3n * MS; // every store call takes this long
const NOTIFY = 1n * MS; // a watch fires this long after the write

// Store is one record under compare-and-swap; versions are counters.
class Store {
  constructor() { this.record = null; this.n = 0; this.watches = []; }
  get version() { return 'v' + this.n; }
  get() { return this.record === null ? { code: NOT_FOUND } : { code: OK, record: this.record, version: this.version }; }
  create(record) { return this.record !== null ? { code: CONFLICT } : this.write(record); }
  update(record, version) {
    return this.record === null || version !== this.version ? { code: CONFLICT } : this.write(record);
  }
  write(record) {
    this.record = record;
    this.n++;
    const fired = this.watches.filter((w) => w.version !== this.version);
    this.watches = this.watches.filter((w) => w.version === this.version);
    fired.forEach((w) => w.fn());
    return { code: OK, version: this.version };
  }
  // watch calls fn once the record is no longer at version.
  watch(version, fn) {
    if (version !== this.version) fn();
    else this.watches.push({ version, fn });
  }
}

const secs = (t) => (Number(t - T0) / 1e9).toFixed(3).padStart(7) + 's';
const log = (t, who, what) => console.log(`${secs(t)}  ${who.padEnd(5)} ${what}`);

class World {
  constructor(plugin) {
    this.p = plugin;
    this.store = new Store();
    this.now = T0;
    this.queue = []; // {at, seq, fn}, kept sorted
    this.seq = 0;
    this.cands = [];
    this.started = []; // {who, term, at}
    this.lastWrite = new Map(); // identity -> time of its last successful write
  }

  at(t, fn) {
    const item = { at: t, seq: this.seq++, fn };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1].at > t || (this.queue[i - 1].at === t && this.queue[i - 1].seq > item.seq))) i--;
    this.queue.splice(i, 0, item);
  }

  // runUntil processes events up to time t, checking safety after each.
  runUntil(t) {
    while (this.queue.length > 0 && this.queue[0].at <= t) {
      const item = this.queue.shift();
      this.now = item.at;
      item.fn();
      this.checkOneLeader();
    }
    this.now = t;
    this.checkOneLeader();
  }

  add(name, startAt, seed) {
    const c = { name, h: this.p.newMachine(name, { ...CFG, seed }), alive: true, busy: false, inbox: [], token: 0, watching: '' };
    this.cands.push(c);
    this.at(startAt, () => this.deliver(c, { kind: TICK }));
    return c;
  }

  // deliver feeds an input, or queues it while a store call is in flight
  // (as the Go driver does), so a call is never issued twice.
  deliver(c, input) {
    if (!c.alive) return;
    if (c.busy) { c.inbox.push(input); return; }
    let out = this.step(c, input);
    while (c.inbox.length > 0) out = this.step(c, c.inbox.shift());
    this.perform(c, out);
  }

  step(c, { kind, record, version, code }) {
    const out = this.p.step(c.h, kind, this.now, { record, version, code });
    for (const e of out.events) {
      let what = e.kind;
      if (e.kind === 'new-leader') what += ' ' + e.text;
      if (e.kind === 'started-leading') {
        what += ` term=${e.term} (fencing token le_term=${this.p.term(c.h)})`;
        this.started.push({ who: c.name, term: e.term, at: this.now });
      }
      if (e.kind === 'stopped-leading') what += ` term=${e.term} reason=${e.reason}` + (e.text ? ` error=${e.text}` : '');
      log(this.now, c.name, what);
    }
    return out;
  }

  // perform does what the action says: schedule a tick (and watch), or
  // make the store call, whose answer arrives LATENCY later.
  perform(c, out) {
    const token = ++c.token;
    if (out.op === 'wait') {
      this.at(out.until, () => { if (c.token === token) this.deliver(c, { kind: TICK }); });
      if (out.version && out.version !== c.watching) {
        c.watching = out.version;
        this.store.watch(out.version, () => this.at(this.now + NOTIFY, () => {
          if (c.watching === out.version) c.watching = '';
          this.deliver(c, { kind: WATCH, code: CHANGED, version: out.version });
        }));
      }
      return;
    }
    if (out.op === 'done') return;
    c.busy = true;
    const answer = () => {
      if (!c.alive) return; // a dead process's request never reaches the store
      let res;
      if (this.now > out.deadline) res = { code: ERROR, record: 'deadline exceeded' };
      else if (out.op === 'get') res = this.store.get();
      else if (out.op === 'create') res = this.store.create(out.record);
      else res = this.store.update(out.record, out.version);
      if (out.op !== 'get' && res.code === OK) this.wrote(c, out.record, res.version);
      c.busy = false;
      this.deliver(c, { kind: out.op === 'get' ? GOT : WRITTEN, ...res });
    };
    const end = this.now + LATENCY;
    this.at(end > out.deadline ? out.deadline : end, answer);
  }

  wrote(c, record, version) {
    this.lastWrite.set(c.name, this.now);
    const holder = JSON.parse(record).holderIdentity;
    if (holder !== this.lastHolder) {
      log(this.now, 'store', `${version} ${record}`);
      this.lastHolder = holder;
    }
  }

  checkOneLeader() {
    const leaders = this.cands.filter((c) => this.p.isLeader(c.h, this.now)).map((c) => c.name);
    if (leaders.length > 1) {
      console.log(`${secs(this.now)}  FAIL: ${leaders.join(' and ')} lead at once`);
      process.exit(1);
    }
    return leaders;
  }

  leadersAt(t) { return this.cands.filter((c) => this.p.isLeader(c.h, t)); }
}

function expect(ok, msg) {
  if (!ok) {
    console.log('FAIL: ' + msg);
    process.exit(2);
  }
}

async function main() {
  const path = process.argv[2];
  if (!path) {
    console.error('usage: node host.mjs leaderelection.wasm');
    process.exit(2);
  }
  const w = new World(await Plugin.load(path));
  console.log(`three candidates, lease=2s renew-deadline=1.5s retry=0.5s, store calls take 3ms, virtual time`);
  for (const [i, name] of ['a', 'b', 'c'].entries()) w.add(name, T0 + BigInt(i) * 10n * MS, BigInt(i + 1));

  // 1. One leader.
  w.runUntil(T0 + 3000n * MS);
  let leaders = w.leadersAt(w.now);
  expect(leaders.length === 1 && w.started.length === 1, 'want exactly one leader after 3s');
  const first = leaders[0];

  // 2. The leader dies: the host stops feeding it. Another takes over
  // once the lease has run out on its own clock.
  first.alive = false;
  const died = w.now, lastRenew = w.lastWrite.get(first.name), until = w.p.leaderUntil(first.h);
  log(w.now, first.name, `dies: the host feeds it nothing more (last renewal at ${secs(lastRenew).trim()}; ` +
    `le_leader_until says its authority ends at ${secs(until).trim()})`);
  w.runUntil(T0 + 9000n * MS);
  expect(w.started.length === 2, 'want one takeover after the leader died');
  const take = w.started[1];
  expect(take.who !== first.name, 'the dead leader cannot lead again');
  expect(take.at - lastRenew >= CFG.lease, 'the takeover came before the lease ran out');
  expect(take.at - died <= CFG.lease + 2n * CFG.retry, 'the takeover came too late');
  expect(until <= take.at && !w.p.isLeader(first.h, take.at), 'the dead leader\'s authority must end before the takeover');
  log(w.now, 'check', `takeover by ${take.who} ${secs(T0 + take.at - lastRenew).trim()} after the dead leader's last renewal (lease 2s)`);

  // 3. The new leader resigns: it releases the lease, and the third
  // candidate, watching the record, takes it at once.
  const second = w.cands.find((c) => c.name === take.who);
  const resigned = w.now;
  log(w.now, second.name, 'resigns (le_step RESIGN)');
  w.deliver(second, { kind: RESIGN });
  w.runUntil(T0 + 12000n * MS);
  expect(w.started.length === 3, 'want one handover after the resignation');
  const hand = w.started[2];
  expect(hand.who !== first.name && hand.who !== second.name, 'want the third candidate to take over');
  expect(hand.at - resigned < CFG.retry, 'the handover after a release was not immediate');
  log(w.now, 'check', `handover to ${hand.who} ${secs(T0 + hand.at - resigned).trim()} after the resignation`);
  expect(hand.term === take.term + 1n, 'terms must increase by one per acquisition');

  // 4. Stop everyone: the leader releases the lease on the way out.
  for (const c of w.cands) if (c.alive) { log(w.now, c.name, 'stops (le_step STOP)'); w.deliver(c, { kind: STOP }); }
  w.runUntil(w.now + 1000n * MS);
  leaders = w.leadersAt(w.now);
  expect(leaders.length === 0, 'nobody may lead after the stop');
  expect(JSON.parse(w.store.record).holderIdentity === '', 'the last leader must release the lease');
  for (const c of w.cands) w.p.close(c.h);
  console.log('ok: one leader at a time; takeover after the lease; handover at once on release');
}

main().catch((e) => { console.error(e); process.exit(2); });
