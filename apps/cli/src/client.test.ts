import { describe, expect, test } from "vitest";
import { clientOptionsFromEnv, describeProblem, displayUrl, scrub } from "./client.ts";

describe("clientOptionsFromEnv", () => {
  test("defaults to the local API without a key", () => {
    expect(clientOptionsFromEnv({})).toEqual({
      baseUrl: "http://127.0.0.1:3000",
      apiKey: undefined,
    });
    expect(clientOptionsFromEnv({ QFORGE_URL: " ", QFORGE_API_KEY: "" })).toEqual({
      baseUrl: "http://127.0.0.1:3000",
      apiKey: undefined,
    });
  });
  test("keeps a base path, drops a trailing slash", () => {
    expect(
      clientOptionsFromEnv({ QFORGE_URL: "https://q.example.com/qforge/", QFORGE_API_KEY: "k" }),
    ).toEqual({
      baseUrl: "https://q.example.com/qforge",
      apiKey: "k",
    });
  });
  test("refuses what is not an http(s) URL", () => {
    expect(() => clientOptionsFromEnv({ QFORGE_URL: "localhost:3000" })).toThrow(/QFORGE_URL/);
    expect(() => clientOptionsFromEnv({ QFORGE_URL: "ftp://example.com" })).toThrow(
      "QFORGE_URL must be an http:// or https:// URL",
    );
  });
});

test("describeProblem: status, title, detail and each error on one line", () => {
  expect(
    describeProblem(
      400,
      {
        title: "Invalid request",
        detail: "the request body is invalid",
        errors: [
          { path: "/items/0/role", message: "must not be empty" },
          { path: "", message: "is required" },
        ],
      },
      "Bad Request",
    ),
  ).toBe(
    "400 Invalid request: the request body is invalid; /items/0/role: must not be empty; /: is required",
  );
  expect(describeProblem(502, undefined, "Bad Gateway")).toBe("502 Bad Gateway");
});

test("displayUrl hides credentials; scrub hides the key", () => {
  expect(displayUrl("http://user:pw@example.com:8080/x")).toBe("http://example.com:8080/x");
  expect(scrub("a secret-key b secret-key", ["secret-key", ""])).toBe("a *** b ***");
});
