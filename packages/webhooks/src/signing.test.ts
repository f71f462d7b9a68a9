import { describe, expect, test } from "vitest";
import { Webhook } from "standardwebhooks";
import {
  createTenantSecrets,
  deriveTenantSecret,
  generateMasterSecret,
  signatureHeaders,
} from "./signing.ts";

describe("tenant secrets", () => {
  const master = generateMasterSecret();

  test("are whsec_ secrets, stable per tenant, different across tenants and masters", () => {
    expect(master).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const alice = deriveTenantSecret(master, "t_alice");
    expect(alice).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(deriveTenantSecret(master, "t_alice")).toBe(alice);
    expect(deriveTenantSecret(master, "t_bob")).not.toBe(alice);
    expect(deriveTenantSecret(generateMasterSecret(), "t_alice")).not.toBe(alice);
    expect(alice).not.toContain(master.slice(6));
  });

  test("sign so that standardwebhooks verifies with the same tenant's secret only", () => {
    const alice = deriveTenantSecret(master, "t_alice");
    const body = JSON.stringify({ type: "batch.completed", data: { id: "x" } });
    const headers = signatureHeaders(alice, "msg_1", body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(alice).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(deriveTenantSecret(master, "t_bob")).verify(body, headers)).toThrow();
    // A changed body or id does not verify either.
    expect(() => new Webhook(alice).verify(body + " ", headers)).toThrow();
    expect(() => new Webhook(alice).verify(body, { ...headers, "webhook-id": "msg_2" })).toThrow();
  });

  test("the stored master is read once, again after a failure, and every secret is reported", async () => {
    let reads = 0;
    const seen: string[] = [];
    const secrets = createTenantSecrets({
      configured: undefined,
      loadStored: async () => {
        if (reads++ === 0) throw new Error("postgres down");
        return master;
      },
      onSecret: (s) => seen.push(s),
    });
    await expect(secrets.forTenant("t_alice")).rejects.toThrow(/postgres down/);
    const alice = await secrets.forTenant("t_alice");
    expect(alice).toBe(deriveTenantSecret(master, "t_alice"));
    await secrets.forTenant("t_alice");
    await secrets.forTenant("t_bob");
    expect(reads).toBe(2);
    expect(seen).toEqual([master, alice, deriveTenantSecret(master, "t_bob")]);
  });

  test("a configured master is used as is", async () => {
    const secrets = createTenantSecrets({
      configured: master,
      loadStored: () => Promise.reject(new Error("must not be read")),
    });
    expect(await secrets.forTenant("t")).toBe(deriveTenantSecret(master, "t"));
  });
});
