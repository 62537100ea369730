// An existing Camunda 8 job worker, unchanged: it reads where and how to connect from the environment.
import { createCamundaClient } from '@camunda8/orchestration-cluster-api';

const client = createCamundaClient(); // CAMUNDA_REST_ADDRESS, CAMUNDA_AUTH_STRATEGY, CAMUNDA_BASIC_AUTH_*

const worker = client.createJobWorker({
  jobType: 'notify',
  maxParallelJobs: 10,
  jobTimeoutMs: 30_000,
  jobHandler: async (job) => {
    console.log(`notify: template ${job.customHeaders.template} for instance ${job.processInstanceKey}`);
    return job.complete({ notified: true }); // the variables to set
  },
});

process.once('SIGTERM', () => {
  worker.stop();
  process.exit(0);
});
