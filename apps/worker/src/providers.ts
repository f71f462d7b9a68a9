import type { Config, ProviderConfig } from "@qforge/config";
import type { OrchestratorKey } from "@qforge/orchestrator";
import { keyIdsOf } from "@qforge/orchestrator";
import {
  createGroqClient,
  createHuggingFaceClient,
  type ProviderKeyClient,
} from "@qforge/providers";

function clientFor(p: ProviderConfig, key: string, keyId: string, timeoutMs: number) {
  switch (p.name) {
    case "groq":
      return createGroqClient({
        keyId,
        apiKey: key,
        ...(p.baseUrl ? { baseURL: p.baseUrl } : {}),
        model: p.model,
        timeoutMs,
      });
    case "huggingface":
      return createHuggingFaceClient({
        keyId,
        token: key,
        ...(p.baseUrl ? { endpointUrl: p.baseUrl } : {}),
        model: p.model,
        timeoutMs,
      });
    case "openai_compat":
      // Any OpenAI-compatible server speaks the protocol of the HF endpoint client, which posts
      // to `{endpointUrl}/v1/chat/completions`; the contract's base URL includes the `/v1`.
      return createHuggingFaceClient({
        provider: "openai_compat",
        keyId,
        token: key,
        endpointUrl: (p.baseUrl ?? "").replace(/\/v1\/?$/, ""),
        model: p.model,
        timeoutMs,
      });
  }
}

/** One SDK client per configured key, with its limits, for the orchestrator. */
export function providerKeys(config: Config): OrchestratorKey[] {
  return config.providers.flatMap((p) => {
    const ids = keyIdsOf(p);
    return p.keys.map((key, i) => ({
      provider: p.name,
      keyId: ids[i]!,
      client: clientFor(p, key, ids[i]!, config.providerTimeoutMs) as ProviderKeyClient,
      limits: p.limits,
    }));
  });
}
