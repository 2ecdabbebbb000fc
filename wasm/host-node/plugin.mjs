// The module's ABI in JavaScript: load the WASI reactor, create machines,
// step them, decode their outputs. Node's built-ins only (node:wasi).
// wasm/README.md documents every export and the output format.

import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

// Input kinds (le_step's kind).
export const TICK = 1, GOT = 2, WRITTEN = 3, WATCH = 4, RESIGN = 5, STOP = 6;
// Result codes for GOT and WRITTEN; watch codes for WATCH.
export const OK = 0, NOT_FOUND = 1, CONFLICT = 2, ERROR = 3;
export const CHANGED = 1, HOLDER_GONE = 2;
// Actions (output op) and roles.
export const OPS = ['wait', 'get', 'create', 'update', 'done'];
export const ROLES = ['candidate', 'leader', 'done'];
export const EVENTS = ['', 'started-leading', 'stopped-leading', 'new-leader'];
export const REASONS = ['', 'resigned', 'term-limit', 'renew-deadline', 'lost', 'shutdown'];

const INPUT_CAP = 64 * 1024 + 4096; // a record (at most 64 KiB) and a version

export class Plugin {
  // load instantiates the module at path and runs its _initialize.
  static async load(path) {
    const wasi = new WASI({ version: 'preview1', args: [], env: {}, returnOnExit: true });
    const { instance } = await WebAssembly.instantiate(await readFile(path),
      { wasi_snapshot_preview1: wasi.wasiImport });
    wasi.initialize(instance); // calls the reactor's _initialize
    return new Plugin(instance.exports);
  }

  constructor(exports) {
    this.x = exports;
    this.enc = new TextEncoder();
    this.dec = new TextDecoder();
    this.input = exports.le_alloc(INPUT_CAP); // one buffer, reused for every call
    if (this.input === 0) throw new Error('le_alloc refused ' + INPUT_CAP + ' bytes');
  }

  // bytes views memory afresh: a call may grow memory and detach old views.
  bytes(ptr, len) { return new Uint8Array(this.x.memory.buffer, ptr, len); }

  // check throws the module's error message for a negative result.
  check(ret) {
    if (ret < 0) throw new Error(this.dec.decode(this.bytes(this.x.le_result(), -ret)));
    return ret;
  }

  // put copies record then version bytes into the input buffer and returns
  // [recPtr, recLen, verPtr, verLen].
  put(record, version) {
    const rec = typeof record === 'string' ? this.enc.encode(record) : (record ?? new Uint8Array());
    const ver = this.enc.encode(version ?? '');
    if (rec.length + ver.length > INPUT_CAP) throw new Error('record too large');
    this.bytes(this.input, rec.length).set(rec);
    this.bytes(this.input + rec.length, ver.length).set(ver);
    return [this.input, rec.length, this.input + rec.length, ver.length];
  }

  // newMachine creates a machine; durations are BigInt nanoseconds.
  newMachine(identity, { lease, renew, retry, termLimit = 0n, seed = 0n, once = false }) {
    const [p, n] = this.put(identity, '');
    return this.check(this.x.le_new(p, n, lease, renew, retry, termLimit, seed, once ? 1 : 0));
  }

  // step feeds one input (now: BigInt ns) and returns the decoded output.
  step(h, kind, now, { record, version, code = 0 } = {}) {
    const [rp, rn, vp, vn] = this.put(record, version);
    const len = this.check(this.x.le_step(h, kind, now, rp, rn, vp, vn, code));
    return this.decode(this.bytes(this.x.le_result(), len));
  }

  // decode reads an output: a 28-byte header, version, record, events.
  decode(b) {
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    const vlen = dv.getUint32(20, true), rlen = dv.getUint32(24, true);
    const out = {
      op: OPS[b[0]], role: ROLES[b[1]],
      until: dv.getBigInt64(4, true), deadline: dv.getBigInt64(12, true),
      version: this.dec.decode(b.subarray(28, 28 + vlen)),
      record: this.dec.decode(b.subarray(28 + vlen, 28 + vlen + rlen)),
      events: [],
    };
    let off = 28 + vlen + rlen;
    for (let i = dv.getUint16(2, true); i > 0; i--) {
      const tlen = dv.getUint32(off + 12, true);
      out.events.push({
        kind: EVENTS[b[off]], reason: REASONS[b[off + 1]], term: dv.getBigInt64(off + 4, true),
        text: this.dec.decode(b.subarray(off + 16, off + 16 + tlen)),
      });
      off += 16 + tlen;
    }
    return out;
  }

  isLeader(h, now) { return this.check(this.x.le_is_leader(h, now)) === 1; }

  term(h) {
    const t = this.x.le_term(h);
    if (t < 0n) this.check(Number(t));
    return t;
  }

  // leaderUntil is when h's authority ends unless it renews (BigInt ns), or 0n.
  leaderUntil(h) {
    const t = this.x.le_leader_until(h);
    if (t < 0n) this.check(Number(t));
    return t;
  }

  close(h) { this.check(this.x.le_close(h)); }
}
