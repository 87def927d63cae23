/** Runs the backend-client conformance suite against the stub vLLM server in test/fixtures. */
import { createVllmClient } from '../../src/backends/vllm-client.js';
import { asInstanceId } from '../../src/core/ids.js';
import { runBackendClientSuite } from '../conformance/backend-client.suite.js';
import { startStubVllm } from '../fixtures/backends/stub-vllm-server.js';

runBackendClientSuite('vllm client vs stub vLLM server', async () => {
  const stub = await startStubVllm();
  const client = createVllmClient({ id: asInstanceId('stub-0'), baseUrl: stub.url, connections: 8 });
  return {
    client,
    async close() {
      await client.close();
      await stub.close();
    },
  };
});
