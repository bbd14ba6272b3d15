/**
 * Where native calls run (docs/internals.md has the measurements behind this).
 *
 * - `instant` calls run synchronously on the calling thread (they never block).
 * - `short` calls (bounded I/O) run on libuv's pool through koffi's async calls, at
 *   most `pool - 1` at a time so Node's own fs/dns/zlib work always finds a thread.
 * - `long` and `recv` calls never touch libuv's default threads: they run on "park
 *   lanes" — worker threads that each block in one synchronous call — plus, when the
 *   process was started with a larger UV_THREADPOOL_SIZE, the pool threads above 4.
 *   Lanes are started on demand, up to `maxWorkers` (derived from a memory budget at
 *   about `LANE_COST_MIB` each), and stopped after `workerIdleMs` idle (one stays).
 *   Long calls (real work: creates, stops…) get a lane each, up to all lanes but one,
 *   so receives always make progress. Receives park on at most `recvLanes` lanes; when
 *   more want to park, cancel-safe receives are time-sliced: a receive that has waited
 *   a full slice while others queue is cancelled (the runtime loses no item:
 *   docs/runtime-abi.md §2.3) and re-issued at the back of the queue. A long call that finds
 *   no lane and no room to start one preempts a receive at once.
 *
 * Cancel ids are owned here: a fresh id per attempt, unregistered after it returns.
 *
 * @internal
 */
import type { Worker } from "node:worker_threads"
import type { Invoker, NativeArg, RawOutcome } from "./invoker.js"
import type { Signature } from "./signatures.js"
import { spawnWorker, type WorkerReply } from "./worker.js"

export type Outcome = RawOutcome | { readonly t: "interrupted" }

/**
 * Resident memory of one park lane (a worker thread with koffi and the library's
 * functions loaded), measured with `npm run bench -- lanes`: 8.3–8.7 MiB here; the
 * budget counts 9.
 */
export const LANE_COST_MIB = 9

/** Long calls queued inside a shared resource above which no lane is started for more (`congested`). */
const CONGESTION_CALLS = 3

export interface ExecutorOptions {
  /** Upper bound on worker threads used as park lanes. */
  readonly maxWorkers: number
  /** Worker lanes that parked receives may hold at once (more take turns by slice). */
  readonly recvLanes: number
  /** Lanes started at once at most (starting one costs tens of ms of CPU). */
  readonly spawnConcurrency: number
  /** Time slice for parked cancel-safe receives when lanes are contended (ms). */
  readonly sliceMs: number
  /** libuv pool size of this process (UV_THREADPOOL_SIZE at start-up, default 4). */
  readonly uvPoolSize: number
  /** Idle workers above one are stopped after this long (ms). */
  readonly workerIdleMs: number
  /** koffi's limit on running + queued async calls (koffi.config().max_async_calls). */
  readonly maxAsyncCalls: number
}

export interface ExecutorStats {
  readonly queuedShort: number
  readonly queuedPark: number
  readonly runningShort: number
  readonly runningPark: number
  readonly workers: number
  readonly maxWorkers: number
  readonly spawning: number
  readonly uvParkLanes: number
  readonly preemptions: number
  readonly maxQueueWaitMs: number
}

interface Job {
  readonly spec: Signature
  readonly args: ReadonlyArray<NativeArg>
  readonly bufferSize: number
  readonly enqueuedAt: number
  cid: bigint | null
  state: "queued" | "running" | "done"
  interrupted: boolean
  preempted: boolean
  startedAt: number
  lane: WorkerLane | "uv-short" | "uv-park" | null
  buffer: Buffer | null
  outcome: Outcome | null
  /** Waited while every lane the budget allows was busy (worth a warning if long). */
  blockedByBudget: boolean
  readonly waiters: Array<(o: Outcome) => void>
}

interface WorkerLane {
  readonly worker: Worker
  job: Job | null
  idleSince: number
}

/** A submitted call: `result` settles once; `interrupt` cancels and resolves with the final outcome. */
export interface NativeJob {
  readonly result: Promise<Outcome>
  interrupt(): Promise<Outcome>
}

const pending: Promise<Outcome> = new Promise<Outcome>(() => {})

/** A FIFO whose `shift` is O(1) (an array's is O(n): 1,000 queued calls made it quadratic). */
class Fifo<A> {
  private list: Array<A> = []
  private head = 0
  get length(): number {
    return this.list.length - this.head
  }
  push(item: A): void {
    this.list.push(item)
  }
  shift(): A | undefined {
    if (this.head >= this.list.length) return undefined
    const item = this.list[this.head]
    this.list[this.head++] = undefined as A
    if (this.head > 1024 && this.head * 2 > this.list.length) {
      this.list = this.list.slice(this.head)
      this.head = 0
    }
    return item
  }
  remove(item: A): void {
    const i = this.list.indexOf(item, this.head)
    if (i >= 0) this.list.splice(i, 1)
  }
  items(): Array<A> {
    return this.list.slice(this.head)
  }
}

const isCancelled = (o: RawOutcome) => o.t === "err" && o.text.startsWith("{\"kind\":\"cancelled\"")

export class Executor {
  private readonly shortQueue = new Fifo<Job>()
  private readonly parkQueue: Array<Job> = []
  private readonly lanes: Array<WorkerLane> = []
  private readonly byRequest = new Map<number, Job>()
  private readonly running = new Set<Job>()
  private readonly bufferPool = new Map<number, Array<Buffer>>()
  private runningShort = 0
  private runningUvPark = 0
  private runningLong = 0
  private runningRecv = 0
  private spawning = 0
  private nextRequest = 1
  private preemptions = 0
  private maxQueueWaitMs = 0
  private sliceTimer: ReturnType<typeof setTimeout> | null = null
  private growthTimer: ReturnType<typeof setTimeout> | null = null
  /** Moving averages: how long a lane takes to start, how long a long call runs (ms). */
  private laneStartMs = 30
  private longCallMs = 0
  /**
   * Per export of long calls: the shortest duration seen (a slowly rising floor) and a
   * moving average. Their gap says whether running more of them at once still helps
   * (see `congested`).
   */
  private readonly longDurations = new Map<string, { floor: number; average: number }>()
  private idleTimer: ReturnType<typeof setInterval> | null = null
  private closed = false
  private saturationListener: ((message: string) => void) | null = null
  private saturationReported = false
  readonly uvShortLanes: number
  readonly uvParkLanes: number

  constructor(
    private readonly invoker: Invoker,
    private readonly libraryPath: string,
    private readonly prototypes: ReadonlyArray<readonly [string, string]>,
    private readonly options: ExecutorOptions
  ) {
    const pool = Math.max(1, options.uvPoolSize)
    this.uvShortLanes = Math.max(1, Math.min(3, pool - 1))
    // Threads above libuv's default 4 may host parked calls, within koffi's cap on
    // running + queued async calls (with room left for the short lanes and probes).
    this.uvParkLanes = Math.max(0, Math.min(pool - 4, options.maxAsyncCalls - this.uvShortLanes - 16))
  }

  /** Runs an `instant` call synchronously. */
  callNow(spec: Signature, args: ReadonlyArray<NativeArg>, bufferSize: number): RawOutcome {
    if (spec.cid === "y") {
      const cid = this.allocCid()
      let outcome: RawOutcome | undefined
      try {
        outcome = this.invoker.callJson(spec.name, [cid, ...args], bufferSize)
        return outcome
      } finally {
        this.releaseCid(cid, outcome)
      }
    }
    return this.invoker.callJson(spec.name, spec.cid === "ign" ? [0n, ...args] : args, bufferSize)
  }

  /**
   * A receive that must not wait: called on this thread with its cancel id already
   * triggered, so the runtime returns a queued item or `cancelled` at once (the channel
   * receives are cancel-safe: nothing is lost). Null when nothing was ready.
   */
  tryNow(spec: Signature, args: ReadonlyArray<NativeArg>, bufferSize: number): RawOutcome | null {
    const cid = this.allocCid()
    let outcome: RawOutcome | undefined
    try {
      this.invoker.callScalar("msb_cancel_trigger", [cid])
      outcome = this.invoker.callJson(spec.name, [cid, ...args], bufferSize)
      return isCancelled(outcome) ? null : outcome
    } finally {
      this.releaseCid(cid, outcome)
    }
  }

  /**
   * Queues a call. With `onDone` the outcome goes to it (no Promise is made: the common
   * path of every call); `result` then never settles.
   */
  submit(
    spec: Signature,
    args: ReadonlyArray<NativeArg>,
    bufferSize: number,
    onDone?: (outcome: Outcome) => void
  ): NativeJob {
    const job: Job = {
      spec,
      args,
      bufferSize,
      enqueuedAt: performance.now(),
      cid: null,
      state: "queued",
      interrupted: false,
      preempted: false,
      startedAt: 0,
      lane: null,
      buffer: null,
      outcome: null,
      blockedByBudget: false,
      waiters: []
    }
    let result: Promise<Outcome>
    if (onDone) {
      job.waiters.push(onDone)
      result = pending
    } else {
      result = new Promise<Outcome>((resolve) => job.waiters.push(resolve))
    }
    if (this.closed) {
      this.finish(job, { t: "fault", message: "the native executor is shut down" })
    } else {
      if (spec.mode === "short") this.shortQueue.push(job)
      else this.enqueuePark(job)
      this.pump()
    }
    return {
      result,
      interrupt: () => this.interrupt(job)
    }
  }

  /** Called once when calls start queueing for long (a hint to raise the thread budget). */
  onSaturation(listener: (message: string) => void): void {
    this.saturationListener = listener
  }

  stats(): ExecutorStats {
    return {
      queuedShort: this.shortQueue.length,
      queuedPark: this.parkQueue.length,
      runningShort: this.runningShort,
      runningPark: [...this.running].filter((j) => j.lane !== "uv-short").length,
      workers: this.lanes.length,
      maxWorkers: this.options.maxWorkers,
      spawning: this.spawning,
      uvParkLanes: this.uvParkLanes,
      preemptions: this.preemptions,
      maxQueueWaitMs: this.maxQueueWaitMs
    }
  }

  /** Cancels everything in flight, waits for it, stops the workers. */
  async shutdown(): Promise<void> {
    this.closed = true
    const pending: Array<Promise<Outcome>> = []
    for (const job of [...this.shortQueue.items(), ...this.parkQueue]) pending.push(this.interrupt(job))
    for (const job of this.running) pending.push(this.interrupt(job))
    await Promise.all(pending)
    if (this.sliceTimer) clearTimeout(this.sliceTimer)
    if (this.growthTimer) clearTimeout(this.growthTimer)
    if (this.idleTimer) clearInterval(this.idleTimer)
    await Promise.all(this.lanes.map((l) => l.worker.terminate()))
    this.lanes.length = 0
  }

  // ------------------------------------------------------------------ internals

  /** Cancel ids allocated and not yet unregistered (each call registers one at most). */
  get liveCancelIds(): number {
    return this.liveCids
  }
  private liveCids = 0

  private allocCid(): bigint {
    const cid = BigInt(this.invoker.callScalar("msb_cancel_alloc", []) as number | bigint)
    this.liveCids++
    return cid
  }

  private unregisterCid(cid: bigint): void {
    this.invoker.callScalar("msb_cancel_unregister", [cid])
    this.liveCids--
  }

  /**
   * After a call with this id: a call that reached the library consumed its id (the
   * runtime unregisters it before returning, whatever the outcome: docs/runtime-abi.md
   * §2.2, step 4), so only the count changes; a call that never reached it (a `fault`:
   * marshalling failed, or nothing came back) leaves the id registered, which is then
   * unregistered here. One native call less per call, two per received event.
   */
  private releaseCid(cid: bigint, outcome: RawOutcome | undefined): void {
    if (outcome === undefined || outcome.t === "fault") this.unregisterCid(cid)
    else this.liveCids--
  }

  private interrupt(job: Job): Promise<Outcome> {
    if (job.state === "done") return Promise.resolve(job.outcome!)
    const result = new Promise<Outcome>((resolve) => job.waiters.push(resolve))
    job.interrupted = true
    if (job.state === "queued") {
      if (job.spec.mode === "short") this.shortQueue.remove(job)
      else {
        const i = this.parkQueue.indexOf(job)
        if (i >= 0) this.parkQueue.splice(i, 1)
      }
      this.finish(job, { t: "interrupted" })
    } else if (job.cid !== null) {
      this.invoker.callScalar("msb_cancel_trigger", [job.cid])
    }
    return result
  }

  private finish(job: Job, outcome: Outcome): void {
    job.state = "done"
    job.outcome = outcome
    for (const w of job.waiters.splice(0)) w(outcome)
  }

  private takeBuffer(size: number): Buffer {
    const pool = this.bufferPool.get(size)
    return pool?.pop() ?? Buffer.alloc(size)
  }
  private giveBuffer(buffer: Buffer): void {
    if (buffer.length > 8 * 1024 * 1024) return
    const pool = this.bufferPool.get(buffer.length) ?? []
    if (pool.length < 8) pool.push(buffer)
    this.bufferPool.set(buffer.length, pool)
  }

  private argsFor(job: Job): ReadonlyArray<NativeArg> {
    if (job.spec.cid === "y") {
      job.cid = this.allocCid()
      return [job.cid, ...job.args]
    }
    job.cid = null
    return job.spec.cid === "ign" ? [0n, ...job.args] : job.args
  }

  private start(job: Job, lane: WorkerLane | "uv-short" | "uv-park"): void {
    job.state = "running"
    job.lane = lane
    job.preempted = false
    job.startedAt = performance.now()
    const waited = job.startedAt - job.enqueuedAt
    this.maxQueueWaitMs = Math.max(this.maxQueueWaitMs, waited)
    const starved = job.spec.mode === "short" || job.blockedByBudget
    if (
      waited > 1000 && starved && job.spec.mode !== "recv" && !this.saturationReported &&
      this.saturationListener
    ) {
      this.saturationReported = true
      this.saturationListener(
        `a native ${job.spec.mode} call (${job.spec.name}) waited ${Math.round(waited)} ms for a thread: ` +
          (job.spec.mode === "short"
            ? `libuv's pool (UV_THREADPOOL_SIZE=${this.options.uvPoolSize}) is saturated; start the process with a larger UV_THREADPOOL_SIZE`
            : `all ${this.parkCapacity()} park lanes the memory budget allows are busy; raise threads.memoryBudgetMiB (MICROSANDBOX_FFI_MEMORY_MIB), threads.maxWorkers (MICROSANDBOX_FFI_THREADS) or UV_THREADPOOL_SIZE`)
      )
    }
    if (job.spec.mode === "long") this.runningLong++
    else if (job.spec.mode === "recv") this.runningRecv++
    this.running.add(job)
    const args = this.argsFor(job)
    if (lane === "uv-short" || lane === "uv-park") {
      if (lane === "uv-short") this.runningShort++
      else this.runningUvPark++
      const buffer = this.takeBuffer(job.bufferSize)
      job.buffer = buffer
      this.invoker.callJsonAsync(job.spec.name, args, buffer, (outcome) => this.completed(job, outcome))
    } else {
      lane.job = job
      // An idle worker must not keep the process alive; one running a call must.
      lane.worker.ref()
      const id = this.nextRequest++
      this.byRequest.set(id, job)
      lane.worker.postMessage({ id, name: job.spec.name, args, bufferSize: job.bufferSize })
    }
  }

  private completed(job: Job, outcome: RawOutcome): void {
    const lane = job.lane
    if (lane === "uv-short") this.runningShort--
    else if (lane === "uv-park") this.runningUvPark--
    else if (lane) {
      lane.job = null
      lane.idleSince = performance.now()
      lane.worker.unref()
    }
    if (job.buffer) {
      this.giveBuffer(job.buffer)
      job.buffer = null
    }
    if (job.spec.mode === "long") {
      this.runningLong--
      const took = performance.now() - job.startedAt
      this.longCallMs = 0.8 * this.longCallMs + 0.2 * took
      const seen = this.longDurations.get(job.spec.name)
      if (seen === undefined) this.longDurations.set(job.spec.name, { floor: took, average: took })
      else {
        // The floor rises by 2% a call, so that one lucky call does not stand for ever.
        seen.floor = Math.min(seen.floor * 1.02, took)
        seen.average = 0.8 * seen.average + 0.2 * took
      }
    } else if (job.spec.mode === "recv") this.runningRecv--
    if (job.cid !== null) {
      this.releaseCid(job.cid, outcome)
      job.cid = null
    }
    job.lane = null
    this.running.delete(job)
    if (isCancelled(outcome) && job.interrupted) {
      this.finish(job, { t: "interrupted" })
    } else if (isCancelled(outcome) && job.preempted && !this.closed) {
      // Preempted by the time slicer: back of the queue, nothing was lost.
      job.state = "queued"
      this.enqueuePark(job)
    } else {
      this.finish(job, outcome)
    }
    this.pump()
  }

  /** The park queue holds long calls first (in arrival order), then receives. */
  private enqueuePark(job: Job): void {
    if (job.spec.mode === "recv") {
      this.parkQueue.push(job)
      return
    }
    const firstRecv = this.parkQueue.findIndex((j) => j.spec.mode === "recv")
    if (firstRecv < 0) this.parkQueue.push(job)
    else this.parkQueue.splice(firstRecv, 0, job)
  }

  private parkCapacity(): number {
    return this.uvParkLanes + this.options.maxWorkers
  }

  /** Long calls may hold every lane but one. */
  private longCap(): number {
    return Math.max(1, this.parkCapacity() - 1)
  }
  /** Receives park on the pool's park lanes and at most `recvLanes` workers. */
  private recvCap(): number {
    return this.uvParkLanes + Math.max(1, Math.min(this.options.recvLanes, this.options.maxWorkers))
  }
  private capped(job: Job): boolean {
    return job.spec.mode === "long" ? this.runningLong >= this.longCap() : this.runningRecv >= this.recvCap()
  }

  private takeLane(job: Job): WorkerLane | "uv-park" | null {
    if (this.capped(job)) return null
    if (this.runningUvPark < this.uvParkLanes) return "uv-park"
    return this.lanes.find((l) => l.job === null) ?? null
  }

  private pump(): void {
    while (this.shortQueue.length > 0 && this.runningShort < this.uvShortLanes) {
      this.start(this.shortQueue.shift()!, "uv-short")
    }
    for (let i = 0; i < this.parkQueue.length;) {
      const job = this.parkQueue[i]!
      const lane = this.takeLane(job)
      if (lane === null) {
        if (!this.hasFreeLane()) break
        i++
        continue
      }
      this.parkQueue.splice(i, 1)
      this.start(job, lane)
    }
    if (this.parkQueue.length > 0) {
      this.growWorkers()
      this.schedulePreemption()
    }
  }

  private hasFreeLane(): boolean {
    return this.runningUvPark < this.uvParkLanes || this.lanes.some((l) => l.job === null)
  }

  /** Starts as many lanes as queued calls could use now, within the budget. */
  private growWorkers(): void {
    if (this.closed) return
    let queuedLong = 0
    let queuedRecv = 0
    for (const job of this.parkQueue) {
      if (job.spec.mode === "long") queuedLong++
      else queuedRecv++
    }
    const longRunnable = Math.min(queuedLong, Math.max(0, this.longCap() - this.runningLong))
    const recvRunnable = Math.min(queuedRecv, Math.max(0, this.recvCap() - this.runningRecv))
    const free = this.uvParkLanes - this.runningUvPark + this.lanes.filter((l) => l.job === null).length
    const room = this.options.maxWorkers - this.lanes.length - this.spawning
    if (longRunnable + recvRunnable - free - this.spawning > room) {
      for (const job of this.parkQueue) if (job.spec.mode === "long") job.blockedByBudget = true
    }
    // A lane is worth starting for a long call only if that call would otherwise wait
    // longer than a lane takes to start: with calls of about `d` ms queued `q` deep, the
    // last one waits about `q·d / lanes`. Short calls (the double's creates take ~20 ms)
    // drain through a few lanes; slow ones (a VM boot takes seconds) get one lane each.
    const now = performance.now()
    let oldest = 0
    for (const job of this.running) {
      if (job.spec.mode === "long") oldest = Math.max(oldest, now - job.startedAt)
    }
    const duration = Math.max(this.longCallMs, oldest)
    const longLanes = this.runningLong + this.spawning + free
    const worthIt = longLanes === 0
      ? Math.min(1, longRunnable)
      : Math.ceil((longRunnable * duration) / Math.max(1, this.laneStartMs)) - (longLanes - this.runningLong)
    const longNeed = this.congested()
      ? 0
      : Math.max(0, Math.min(longRunnable - free - this.spawning, worthIt))
    const recvNeed = Math.max(0, recvRunnable - Math.max(0, free - longRunnable) - this.spawning)
    // Starting a lane costs tens of ms of CPU: a few at a time, so that a burst of calls
    // is not starved of CPU by its own lanes starting; each start re-evaluates demand.
    const wanted = Math.min(longNeed + recvNeed, room, this.options.spawnConcurrency - this.spawning)
    if (wanted <= 0 && longRunnable > free + this.spawning && room > 0) this.scheduleGrowth()
    for (let k = 0; k < wanted; k++) this.spawnLane()
  }

  /**
   * Starts the first lane ahead of any call (the one lane that stays when idle), so
   * that the first long call or receive does not wait for a worker to boot.
   */
  warmUp(): void {
    if (this.options.maxWorkers > 0 && this.lanes.length + this.spawning === 0 && !this.closed) {
      this.spawnLane()
    }
  }

  private spawnLane(): void {
    this.spawning++
    const startedAt = performance.now()
    spawnWorker(this.libraryPath, this.prototypes).then(
      (worker) => {
        this.spawning--
        this.laneStartMs = 0.7 * this.laneStartMs + 0.3 * (performance.now() - startedAt)
        worker.unref()
        const lane: WorkerLane = { worker, job: null, idleSince: performance.now() }
        worker.on("message", (reply: WorkerReply) => {
          const job = this.byRequest.get(reply.id)
          if (!job) return
          this.byRequest.delete(reply.id)
          this.completed(job, reply.outcome)
        })
        if (this.closed) {
          void worker.terminate()
          return
        }
        this.lanes.push(lane)
        this.ensureIdleTimer()
        this.pump()
      },
      (error) => {
        this.spawning--
        // Without workers, park jobs still run on what exists; with none at all, fail them.
        if (this.lanes.length === 0 && this.uvParkLanes === 0) {
          for (const job of this.parkQueue.splice(0)) {
            this.finish(job, {
              t: "fault",
              message: `cannot start a native worker thread: ${String(error)}`
            })
          }
        }
      }
    )
  }

  /**
   * Whether the long calls running now are held up by each other rather than by what
   * they wait for (the test of TCP Vegas): with `n` running, each taking `average` ms
   * where alone it takes `floor`, about `n · (1 − floor/average)` of them are queued
   * inside whatever they share (CPU, a lock, a disk). Above `CONGESTION_CALLS`, another
   * lane would only add a call to that queue and cost a lane start (tens of ms of CPU);
   * calls that wait on something slow (a VM boot) keep `average` near `floor` and get a
   * lane each.
   */
  private congested(): boolean {
    const head = this.parkQueue.find((j) => j.spec.mode === "long")
    if (head === undefined || this.runningLong < 2) return false
    const seen = this.longDurations.get(head.spec.name)
    if (seen === undefined) return false
    return this.runningLong * (1 - seen.floor / seen.average) >= CONGESTION_CALLS
  }

  /** Re-evaluates growth while long calls queue (their running time is evidence too). */
  private scheduleGrowth(): void {
    if (this.growthTimer !== null || this.closed) return
    this.growthTimer = setTimeout(() => {
      this.growthTimer = null
      if (this.parkQueue.length > 0) this.pump()
    }, Math.max(5, this.laneStartMs / 4))
    this.growthTimer.unref()
  }

  private schedulePreemption(): void {
    if (this.sliceTimer !== null || this.closed) return
    const now = performance.now()
    const running = [...this.running].filter((j) => j.spec.mode === "recv" && j.lane !== "uv-short")
    const waitingRecv = this.parkQueue.filter((j) => j.spec.mode === "recv").length
    const waitingLong = this.parkQueue.length - waitingRecv
    // A receive only waits for a turn when receives are at their cap or no lane can start.
    const canGrow = this.lanes.length + this.spawning < this.options.maxWorkers
    const waiting = (this.runningRecv >= this.recvCap() || !canGrow ? waitingRecv : 0) +
      (canGrow ? 0 : waitingLong)
    if (running.length === 0 || waiting === 0) return
    // A waiting long call (real work) that no new lane can host preempts receives at
    // once; receives take turns by slice.
    const longSlots = Math.max(0, this.longCap() - this.runningLong)
    const urgent = canGrow ? 0 : Math.min(waitingLong, longSlots)
    const candidates = running.filter((j) => !j.preempted && !j.interrupted).sort((a, b) =>
      a.startedAt - b.startedAt
    )
    const expired = candidates.filter((j) => now - j.startedAt >= this.options.sliceMs)
    const eligible = urgent > 0
      ? candidates.slice(0, Math.max(urgent, Math.min(expired.length, waiting)))
      : expired
    for (const job of eligible.slice(0, waiting)) {
      job.preempted = true
      this.preemptions++
      if (job.cid !== null) this.invoker.callScalar("msb_cancel_trigger", [job.cid])
    }
    const pendingStarts = running.filter((j) => !j.preempted).map((j) => j.startedAt + this.options.sliceMs)
    if (pendingStarts.length === 0) return
    const delay = Math.max(1, Math.min(...pendingStarts) - now)
    this.sliceTimer = setTimeout(() => {
      this.sliceTimer = null
      if (this.parkQueue.length > 0) this.schedulePreemption()
    }, delay)
    this.sliceTimer.unref()
  }

  private ensureIdleTimer(): void {
    if (this.idleTimer !== null) return
    this.idleTimer = setInterval(() => {
      const now = performance.now()
      for (const lane of [...this.lanes]) {
        if (this.lanes.length <= 1) break
        if (lane.job === null && now - lane.idleSince > this.options.workerIdleMs) {
          this.lanes.splice(this.lanes.indexOf(lane), 1)
          void lane.worker.terminate()
        }
      }
    }, Math.max(1000, this.options.workerIdleMs / 2))
    this.idleTimer.unref()
  }
}
