import type { Config } from "@qforge/config";
import { ensureSetting, WEBHOOK_SECRET_SETTING, type Database } from "@qforge/database";
import { registerSecrets } from "@qforge/logger";
import {
  checkWebhookUrl,
  createTenantSecrets,
  generateMasterSecret,
  isWebhookUrlRefused,
  type LookupFunction,
  type TenantSecrets,
} from "@qforge/webhooks";
import { invalid } from "./problem.ts";

/** Tenant signing secrets; the same derivation and stored master as the workers'. */
export function webhookSecrets(config: Config, db: Database): TenantSecrets {
  return createTenantSecrets({
    configured: config.webhookSecret,
    loadStored: () => ensureSetting(db, WEBHOOK_SECRET_SETTING, generateMasterSecret()),
    onSecret: (s) => registerSecrets([s]),
  });
}

/** The submit-time SSRF check of `webhook_url`: a refused URL is a 400 naming the field. */
export function createWebhookUrlCheck(config: Config, lookup?: LookupFunction) {
  return async (url: string | undefined): Promise<void> => {
    if (url === undefined) return;
    try {
      await checkWebhookUrl(url, {
        allowPrivate: config.webhookAllowPrivateNetworks,
        ...(lookup ? { lookup } : {}),
      });
    } catch (error) {
      if (!isWebhookUrlRefused(error)) throw error;
      throw invalid("the webhook_url is refused", [
        { path: "/webhook_url", message: error.message },
      ]);
    }
  };
}
