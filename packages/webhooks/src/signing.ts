import { createHmac, randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

// Standard Webhooks signing. Each tenant signs with its own secret, derived from the master
// secret (WEBHOOK_SECRET, or one generated once and kept in Postgres), so that no tenant's
// secret verifies another tenant's events and none has to be stored.

const PREFIX = "whsec_";

/** A new master secret: `whsec_` + 32 random bytes in base64. */
export function generateMasterSecret(): string {
  return PREFIX + randomBytes(32).toString("base64");
}

/** The tenant's signing secret: `whsec_` + base64(HMAC-SHA256(master key, tenant id)). */
export function deriveTenantSecret(master: string, tenantId: string): string {
  const key = Buffer.from(
    master.startsWith(PREFIX) ? master.slice(PREFIX.length) : master,
    "base64",
  );
  const mac = createHmac("sha256", key).update(`qforge-webhook-tenant:${tenantId}`).digest();
  return PREFIX + mac.toString("base64");
}

/** The three Standard Webhooks headers for one attempt (a fresh timestamp each time). */
export function signatureHeaders(
  secret: string,
  webhookId: string,
  payload: string,
  at: Date = new Date(),
): Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string> {
  return {
    "webhook-id": webhookId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(webhookId, at, payload),
  };
}

/**
 * Each tenant's secret, from the configured master secret or, when none is configured, the one
 * stored in Postgres (`loadStored` generates it on first use). The master is read once per
 * process; a failed read (Postgres down) is tried again on the next call. `onSecret` sees every
 * secret handed out, so the logger can scrub them.
 */
export function createTenantSecrets(opts: {
  configured: string | undefined;
  loadStored: () => Promise<string>;
  onSecret?: (secret: string) => void;
}) {
  let master: Promise<string> | undefined;
  const derived = new Map<string, string>();
  const getMaster = () => {
    master ??= (opts.configured ? Promise.resolve(opts.configured) : opts.loadStored()).then(
      (m) => {
        opts.onSecret?.(m);
        return m;
      },
      (error: unknown) => {
        master = undefined;
        throw error;
      },
    );
    return master;
  };
  return {
    master: getMaster,
    async forTenant(tenantId: string): Promise<string> {
      const known = derived.get(tenantId);
      if (known) return known;
      const secret = deriveTenantSecret(await getMaster(), tenantId);
      opts.onSecret?.(secret);
      derived.set(tenantId, secret);
      return secret;
    },
  };
}
export type TenantSecrets = ReturnType<typeof createTenantSecrets>;
