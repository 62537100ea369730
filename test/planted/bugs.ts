/**
 * Bugs planted on purpose, one at a time, to show that the suite catches them (`npm run test:planted`,
 * test/planted/run.ts). Each is a small edit of the source in the places ProcessDesk promises the most,
 * with the test files that must fail while it is in. `find` must occur exactly once in `file`: when
 * the code moves on, the runner says the bug no longer applies instead of passing quietly.
 */
export interface PlantedBug {
  name: string;
  /** What the bug does, as a reviewer would describe it. */
  what: string;
  file: string;
  find: string;
  replace: string;
  /** Test files (jest paths) of which at least one test must fail. */
  tests: string[];
}

export const PLANTED_BUGS: PlantedBug[] = [
  {
    name: 'hash-without-actor',
    what: 'the history hash leaves out the actor',
    file: 'engine/runtime/history.ts',
    find: 'canonicalJson({ instanceId, seq, at, type, elementId, actor, data })',
    replace: 'canonicalJson({ instanceId, seq, at, type, elementId, data })',
    tests: ['test/security/historyChain.test.ts', 'test/security/historyTamper.test.ts'],
  },
  {
    name: 'verify-ignores-link',
    what: 'verification stops following the link to the previous hash',
    file: 'engine/runtime/verify.ts',
    find: '} else if (!gap && e.prevHash !== (prev?.hash ?? GENESIS_HASH)) {',
    replace: '} else if (!gap && GENESIS_HASH === "planted") {',
    tests: ['test/security/historyChain.test.ts', 'test/security/historyTamper.test.ts'],
  },
  {
    name: 'outbox-done-before-dispatch',
    what: 'the outbox marks rows done before dispatching them',
    file: 'engine/runtime/outbox.ts',
    find: 'const done: string[] = [];',
    replace: 'const done: string[] = [];\n    await this.store.markOutboxDone(rows.map((r) => r.id));',
    tests: ['test/crash/outboxDispatch.test.ts', 'test/crash/crash.test.ts'],
  },
  {
    name: 'sqlite-no-revision-check',
    what: 'the SQLite store drops the revision check of a commit',
    file: 'engine/store/sqlite/writes.ts',
    find: ".join(', ')} WHERE id = @id AND rev = @expected_rev`;",
    replace: ".join(', ')} WHERE id = @id AND @expected_rev = @expected_rev`;",
    tests: ['test/store/sqliteStore.test.ts', 'test/scale/pullWorkers.test.ts'],
  },
  {
    name: 'zero-length-job-locks',
    what: 'job locks have zero length, so every poll hands the same jobs out again',
    file: 'engine/store/sqlite/writes.ts',
    find: 'const lockExpiresAt = now + lockMs;',
    replace: 'const lockExpiresAt = now + 0 * lockMs;',
    // Not test/store/sqliteStore.test.ts, which catches it too but spends minutes in its waits.
    tests: ['test/scale/pullWorkers.test.ts'],
  },
  {
    name: 'worker-two-retries-per-failure',
    what: 'the built-in worker (npm run worker) takes two retries per failure',
    file: 'api/jobRunner.ts',
    find: 'retries: job.retries - 1,',
    replace: 'retries: job.retries - 2,',
    tests: ['test/scale/pullWorkers.test.ts'],
  },
  {
    name: 'agents-modify-instances',
    what: 'a widened permission: agents may modify instances (set their variables)',
    file: 'api/auth.ts',
    find: "'instances.modify': ['admin'],",
    replace: "'instances.modify': ['agent', 'admin'],",
    tests: ['test/api/auth.test.ts'],
  },
];
