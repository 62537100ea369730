import { startV2Server, type V2Server } from './server';

let s: V2Server;
beforeAll(async () => {
  s = await startV2Server();
});
afterAll(async () => {
  await s.close();
});

test('topology', async () => {
  const t = await s.client('admin').getTopology();
  expect(t.brokers.length).toBe(1);
});
