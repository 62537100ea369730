/**
 * Prometheus metrics in a registry of this app (never prom-client's global one):
 *   instances_started_total, instances_completed_total, tasks_completed_total,
 *   task_latency_seconds (task createdAt -> completion), job_retries_total (job fail calls),
 *   timer_lateness_seconds (fired - due), processdesk_sla_met_total{priority,kind} and
 *   processdesk_sla_breached_total{priority,kind} (SLA records as they are written: a target recorded again,
 *   a reopen that continued its clock, counts again), http_request_duration_seconds{method,route,status}, plus Node's
 *   default process metrics; with jobs on BullMQ also job_queue_jobs{type,state} (queue depth) and
 *   job_queue_oldest_waiting_seconds{type} (age of the job next in line), read from Redis at each scrape.
 *
 * Instances and tasks also finish without an API call (timers, jobs, child instances), so the engine
 * counters are fed by the engine's commits (`engine.onCommit`): every committed batch carries the
 * history events (`instance.started`, `instance.completed`), task rows and timer rows it wrote.
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommitBatch, Engine, JobQueueStats } from '../engine';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly instancesStarted = new Counter({ name: 'instances_started_total', help: 'Process instances started', registers: [this.registry] });
  readonly instancesCompleted = new Counter({ name: 'instances_completed_total', help: 'Process instances completed', registers: [this.registry] });
  readonly tasksCompleted = new Counter({ name: 'tasks_completed_total', help: 'User tasks completed', registers: [this.registry] });
  readonly taskLatency = new Histogram({
    name: 'task_latency_seconds',
    help: 'Time from a user task being created to its completion',
    registers: [this.registry],
    buckets: [1, 10, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400],
  });
  readonly timerLateness = new Histogram({
    name: 'timer_lateness_seconds',
    help: 'How late timers fired after their due time',
    registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  });
  readonly slaMet = new Counter({
    name: 'processdesk_sla_met_total',
    help: 'SLA targets recorded as met, by priority and kind (response, resolution)',
    labelNames: ['priority', 'kind'] as const,
    registers: [this.registry],
  });
  readonly slaBreached = new Counter({
    name: 'processdesk_sla_breached_total',
    help: 'SLA targets recorded as breached, by priority and kind (response, resolution)',
    labelNames: ['priority', 'kind'] as const,
    registers: [this.registry],
  });
  readonly jobRetries = new Counter({ name: 'job_retries_total', help: 'Failed job attempts reported by workers', registers: [this.registry] });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  readonly jobQueueJobs = new Gauge({
    name: 'job_queue_jobs',
    help: 'Jobs in the BullMQ queue of a job type, by state (waiting, prioritized, delayed, active; completed and failed: results the engine has yet to apply)',
    labelNames: ['type', 'state'] as const,
    registers: [this.registry],
    collect: async () => {
      this.jobQueueJobs.reset();
      for (const { type, counts } of await this.jobQueueStats()) for (const [state, n] of Object.entries(counts)) this.jobQueueJobs.set({ type, state }, n);
    },
  });
  readonly jobQueueAge = new Gauge({
    name: 'job_queue_oldest_waiting_seconds',
    help: 'Age of the job next in line in the BullMQ queue of a job type (since the engine created it)',
    labelNames: ['type'] as const,
    registers: [this.registry],
    collect: async () => {
      this.jobQueueAge.reset();
      for (const { type, oldestWaitingMs } of await this.jobQueueStats()) this.jobQueueAge.set({ type }, oldestWaitingMs / 1000);
    },
  });
  readonly instanceCache = new Gauge({
    name: 'instance_cache',
    help: 'Instance rows the engine keeps between commands (engine/runtime/instanceCache.ts): commands that found theirs kept (hits), read it from the store (misses) or read it again (rereads), and reads of job or task variables served by a kept row (looks), since start; rows and snapshot bytes kept now',
    labelNames: ['stat'] as const,
    registers: [this.registry],
    collect: () => {
      if (!this.engine) return;
      for (const [stat, n] of Object.entries(this.engine.instanceCacheStats())) this.instanceCache.set({ stat }, n);
    },
  });
  private unsubscribe?: () => void;
  private engine?: Engine;
  private stats?: { at: number; read: Promise<JobQueueStats[]> };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Starts counting the engine's commits. */
  watch(engine: Engine): this {
    this.unsubscribe?.();
    this.unsubscribe = engine.onCommit((batch) => this.onCommit(batch));
    this.engine = engine;
    return this;
  }

  /**
   * The queues' depth and age, read once per scrape for both gauges (prom-client collects metrics in
   * parallel). None when jobs are polled, or while Redis is away (GET /api/health reports the scheduler on the same Redis).
   */
  private jobQueueStats(): Promise<JobQueueStats[]> {
    const engine = this.engine;
    if (!engine?.jobsOnBullmq) return Promise.resolve([]);
    const now = Date.now();
    if (!this.stats || now - this.stats.at > 1000) this.stats = { at: now, read: engine.jobQueueStats().catch(() => []) };
    return this.stats.read;
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private onCommit(batch: CommitBatch): void {
    for (const e of batch.history) {
      if (e.type === 'instance.started') this.instancesStarted.inc();
      else if (e.type === 'instance.completed') this.instancesCompleted.inc();
    }
    for (const t of batch.tasks?.upsert ?? []) {
      if (t.state !== 'completed') continue;
      this.tasksCompleted.inc();
      if (t.completedAt !== undefined) this.taskLatency.observe(Math.max(0, (t.completedAt - t.createdAt) / 1000));
    }
    for (const t of batch.timers?.upsert ?? []) {
      if (t.state === 'fired' && t.firedAt !== undefined) this.timerLateness.observe(Math.max(0, (t.firedAt - t.dueAt) / 1000));
    }
    for (const r of batch.slaRecords?.upsert ?? []) {
      const labels = { priority: r.priority === undefined ? 'none' : String(r.priority), kind: r.kind };
      (r.status === 'met' ? this.slaMet : this.slaBreached).inc(labels);
    }
  }

  /** Times every request; the route label is the matched Express route, so ids do not explode it. */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = req.route?.path ? String(req.route.path) : 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
