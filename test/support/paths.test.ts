/** The shared folder's location and what a suite without its inputs reports (skipped with the reason). */
import path from 'node:path';

test('PROCESSDESK_SHARED_DIR moves the shared folder and every folder inside it', () => {
  const saved = process.env.PROCESSDESK_SHARED_DIR;
  process.env.PROCESSDESK_SHARED_DIR = '/elsewhere/shared';
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const paths = require('./paths') as typeof import('./paths');
      expect([paths.SHARED_DIR, paths.CONFORMANCE_DIR, paths.MIWG_DIR]).toEqual(['/elsewhere/shared', '/elsewhere/shared/conformance', '/elsewhere/shared/miwg']);
    });
  } finally {
    if (saved === undefined) delete process.env.PROCESSDESK_SHARED_DIR;
    else process.env.PROCESSDESK_SHARED_DIR = saved;
  }
});

describe('a suite whose inputs are missing', () => {
  const { describeShared } = jest.requireActual<typeof import('./paths')>('./paths');
  const missing = path.join(__dirname, 'no-such-folder');
  const ran: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  describeShared(missing, 'inputs from nowhere', () => {
    test('is never run', () => {
      ran.push('ran');
    });
  });
  const said = log.mock.calls.map((c) => c.join(' '));
  log.mockRestore();

  test('is skipped (not passed) and says why', () => {
    expect(ran).toEqual([]);
    expect(said).toEqual([`inputs from nowhere: skipped, ${missing} not found (set PROCESSDESK_SHARED_DIR)`]);
  });
});
