import { ApiError, CliError, type ApiClient } from "../client.ts";
import type { Io } from "../io.ts";

// The shape of GET /api/v1/providers (CONTRACT.md, "Providers"). Read defensively: a field an
// older or newer server leaves out shows as "-" instead of stopping the table.
export interface ProviderKey {
  id: string;
  enabled: boolean;
  disabled_reason?: string | null;
  breaker?: string;
  health?: number;
  latency_ms?: number | null;
  usage_today?: { requests?: number; tokens?: number; percent?: number };
  alerts?: Array<{ threshold: number; at: string }>;
}
export interface Provider {
  name: string;
  enabled: boolean;
  keys: ProviderKey[];
}

export const PROVIDER_COLUMNS = [
  "PROVIDER",
  "KEY",
  "ENABLED",
  "BREAKER",
  "HEALTH",
  "USAGE %",
  "ALERTS",
];

const yesNo = (enabled: boolean | undefined, reason?: string | null) =>
  enabled === undefined ? "-" : enabled ? "yes" : reason ? `no (${reason})` : "no";

const num = (n: number | undefined, digits: number) =>
  typeof n === "number" && Number.isFinite(n) ? n.toFixed(digits) : "-";

export function providerRows(providers: readonly Provider[]): string[][] {
  const rows: string[][] = [];
  for (const p of providers) {
    if (!p.keys || p.keys.length === 0) {
      rows.push([p.name, "-", yesNo(p.enabled), "-", "-", "-", "-"]);
      continue;
    }
    for (const k of p.keys) {
      const alerts = (k.alerts ?? []).map((a) => `${a.threshold}%`).join(",");
      rows.push([
        p.name,
        k.id,
        // A key is only usable when its provider is enabled too.
        p.enabled === false ? "no (provider off)" : yesNo(k.enabled, k.disabled_reason),
        k.breaker ?? "-",
        num(k.health, 2),
        num(k.usage_today?.percent, 1),
        alerts || "-",
      ]);
    }
  }
  return rows;
}

/** Left-aligned columns two spaces apart. */
export function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export async function providers(
  client: ApiClient,
  io: Io,
  options: { json?: boolean },
): Promise<number> {
  let body: { data: Provider[] };
  try {
    body = await client.json("/api/v1/providers");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new CliError(
        "this qforge server has no GET /api/v1/providers (it is older than this CLI)",
      );
    }
    throw error;
  }
  if (options.json) {
    io.out(JSON.stringify(body, null, 2));
    return 0;
  }
  const list = Array.isArray(body?.data) ? body.data : [];
  if (list.length === 0) {
    io.out("no provider is configured");
    return 0;
  }
  for (const line of table(PROVIDER_COLUMNS, providerRows(list))) io.out(line);
  return 0;
}
