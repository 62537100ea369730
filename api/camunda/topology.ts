/**
 * GET /v2/topology. ProcessDesk is no cluster of brokers: it answers as one broker with one healthy
 * partition (what the clients read to see that the gateway answers), with its own version.
 */
import type { V2Context } from './router';

/** The Camunda API version these answers follow (the client's generation). */
export const CAMUNDA_API_VERSION = '8.8.0';

export function topologyRoutes(v2: V2Context): void {
  v2.route('getTopology', async (req) => ({
    brokers: [
      {
        nodeId: 0,
        host: req.hostname || 'localhost',
        port: Number(req.socket.localPort ?? 0),
        partitions: [{ partitionId: 1, role: 'leader', health: 'healthy' }],
        version: CAMUNDA_API_VERSION,
      },
    ],
    clusterSize: 1,
    partitionsCount: 1,
    replicationFactor: 1,
    gatewayVersion: CAMUNDA_API_VERSION,
    lastCompletedChangeId: '-1',
  }));
}
