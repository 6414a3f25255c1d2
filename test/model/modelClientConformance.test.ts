// Our Anthropic client, streamed and not, passes the ModelClient conformance suite.
import { AnthropicModelClient } from '../../src/node/model/anthropicModelClient.ts';
import { modelClientConformance } from '../conformance/modelClientConformance.ts';

for (const streaming of [true, false]) {
  modelClientConformance(
    `AnthropicModelClient (${streaming ? 'streamed' : 'one JSON body'})`,
    (baseURL) =>
      new AnthropicModelClient({
        apiKey: 'test-key',
        baseURL,
        maxRetries: 4,
        retryBaseDelayMs: 5,
        retryMaxDelayMs: 20,
        streaming,
      }),
  );
}
