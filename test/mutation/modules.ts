/**
 * The modules that carry ProcessDesk's promises, for mutation testing (`npm run test:mutation`,
 * test/mutation/run.ts): the source files Stryker mutates and the test files that must kill the
 * mutants. Each module is scored on its own, against the target of 85 %.
 */
export interface MutationModule {
  name: string;
  /** Files (or `file:from-to` line ranges) to mutate. */
  mutate: string[];
  tests: string[];
}

export const TARGET_SCORE = 85;

export const MUTATION_MODULES: MutationModule[] = [
  {
    name: 'history',
    mutate: ['engine/runtime/history.ts', 'engine/runtime/verify.ts', 'engine/runtime/sealTree.ts', 'engine/runtime/headSealer.ts'],
    // Not historyEvidence.test.ts (it runs the offline verifier as a process, 9 s a run) nor
    // engine/history.test.ts (engines for every test): historyVerify.test.ts checks the same functions in
    // process, and without them the module's lines are covered as much as with them.
    tests: ['test/security/historyChain.test.ts', 'test/security/historyVerify.test.ts', 'test/security/historyTamper.test.ts', 'test/security/sealTree.test.ts'],
  },
  {
    name: 'outbox',
    mutate: ['engine/runtime/outbox.ts'],
    tests: [
      'test/engine/outbox.test.ts',
      'test/engine/outboxDispatcher.test.ts',
      'test/engine/outboxHandlers.test.ts',
      'test/crash/outboxDispatch.test.ts',
      'test/notify/taskAssigned.test.ts',
      'test/engine/subprocess.test.ts',
      'test/engine/callActivityMissing.test.ts',
      'test/engine/events.test.ts',
      'test/engine/jobsAndMessages.test.ts',
    ],
  },
  {
    name: 'executor',
    mutate: ['engine/runtime/executor.ts'],
    // Not boundedWork.test.ts (28 s, its refusals come before the executor): the executor's own test instead.
    // jobs.test.ts: job incidents the instance state follows; subprocess.test.ts: a called instance's parent.
    tests: [
      'test/engine/executor.test.ts',
      'test/engine/ticketNumbers.test.ts',
      'test/engine/jobs.test.ts',
      'test/engine/subprocess.test.ts',
      'test/engine/tasks.test.ts',
      'test/engine/semantics.test.ts',
      'test/api/conflicts.test.ts',
      'test/engine/instanceCache.test.ts',
    ],
  },
  {
    // the rows kept between commands: a kept context must end where a freshly read one ends
    name: 'instance-cache',
    mutate: ['engine/runtime/instanceCache.ts', 'engine/compile/copyOnWrite.ts', 'engine/runtime/snapshotJson.ts', 'engine/store/jsonText.ts'],
    tests: ['test/engine/instanceCache.test.ts', 'test/engine/multiInstance.test.ts', 'test/engine/semantics.test.ts', 'test/engine/compensation.test.ts'],
  },
  {
    name: 'store-commit-and-locks',
    mutate: ['engine/store/sqlite/writes.ts', 'engine/store/sqlite/rowMapping.ts'],
    tests: ['test/store/sqliteStore.test.ts', 'test/store/sqliteWrites.test.ts', 'test/store/groupCommit.test.ts', 'test/store/rowMapping.test.ts'],
  },
  {
    name: 'authorization',
    mutate: ['api/auth.ts', 'engine/runtime/access.ts', 'engine/runtime/ownership.ts'],
    // Not auth.test.ts (the role matrix through the whole HTTP API, 19 s): the permission table's
    // mutants are static, so each would run every test of the module; authenticator.test.ts checks the
    // same table against the same hand-written policy in milliseconds.
    tests: [
      'test/api/authenticator.test.ts',
      'test/api/authenticatorOidc.test.ts',
      'test/security/accessRules.test.ts',
      'test/security/access.test.ts',
      'test/security/ownership.test.ts',
      'test/security/ownershipRules.test.ts',
    ],
  },
  {
    name: 'segregation',
    mutate: ['engine/runtime/segregation.ts', 'engine/runtime/seats.ts'],
    tests: ['test/engine/segregation.test.ts', 'test/engine/seats.test.ts', 'test/security/approvals.test.ts'],
  },
  {
    name: 'messaging',
    mutate: ['engine/runtime/messaging.ts'],
    tests: [
      'test/engine/messaging.test.ts',
      'test/engine/messagingRules.test.ts',
      'test/engine/jobsAndMessages.test.ts',
      'test/engine/events.test.ts',
      'test/security/messages.test.ts',
      'test/engine/startEvents.test.ts',
    ],
  },
  {
    name: 'jobs',
    mutate: ['engine/runtime/jobs.ts'],
    // jobSink.test.ts reaches what only the BullMQ queues call (failAttempt, lock, variables): Redis on 127.0.0.1:6379.
    tests: ['test/engine/jobs.test.ts', 'test/queue/jobSink.test.ts', 'test/engine/jobRetries.test.ts', 'test/engine/jobResultChecks.test.ts', 'test/engine/instanceCache.test.ts'],
  },
  {
    name: 'sla',
    mutate: ['engine/expr/businessCalendar.ts', 'engine/expr/commandFunctions.ts', 'engine/expr/slaFunctions.ts'],
    // The FEEL-level tests alone: engine/businessTime.test.ts covers no line of these files they do not,
    // and starting engines made each mutant's run three times longer.
    tests: ['test/expr/businessCalendar.test.ts', 'test/expr/commandFunctions.test.ts', 'test/expr/slaFunctions.test.ts'],
  },
];
