import type { Config, ProviderConfig } from "@qforge/config";
import {
  createGroqClient,
  createHuggingFaceClient,
  type ProviderKeyClient,
  type ProviderName,
} from "@qforge/providers";

function clientsFor(p: ProviderConfig, timeoutMs: number): ProviderKeyClient[] {
  return p.keys.map((key, i) => {
    const keyId = `${p.name}#${i + 1}`;
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
        // Any OpenAI-compatible server speaks the same protocol as the HF endpoint client.
        return createHuggingFaceClient({
          provider: "openai_compat",
          keyId,
          token: key,
          endpointUrl: (p.baseUrl ?? "").replace(/\/v1\/?$/, ""),
          model: p.model,
          timeoutMs,
        });
    }
  });
}

/** The configured provider keys, each provider's keys taken in turn. */
export class ProviderPool {
  private readonly clients = new Map<ProviderName, ProviderKeyClient[]>();
  private readonly next = new Map<ProviderName, number>();

  private readonly order: ProviderName[];

  constructor(config: Config) {
    this.order = config.providers.map((p) => p.name);
    for (const p of config.providers) {
      this.clients.set(p.name, clientsFor(p, config.providerTimeoutMs));
    }
  }

  has(provider: ProviderName): boolean {
    return (this.clients.get(provider)?.length ?? 0) > 0;
  }

  /** The next key of `provider` (round robin), or undefined when it has none configured. */
  pick(provider: ProviderName): ProviderKeyClient | undefined {
    const list = this.clients.get(provider);
    if (!list || list.length === 0) return undefined;
    const i = this.next.get(provider) ?? 0;
    this.next.set(provider, (i + 1) % list.length);
    return list[i % list.length];
  }

  /**
   * A key for a job on `provider`'s queue: that provider's if this worker has one, else the first
   * configured provider in PROVIDER_ORDER (the API may route by a configuration without keys).
   */
  pickFor(provider: ProviderName): ProviderKeyClient | undefined {
    if (this.has(provider)) return this.pick(provider);
    const fallback = this.order[0];
    return fallback ? this.pick(fallback) : undefined;
  }
}
