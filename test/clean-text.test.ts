import fc from "fast-check";
import { expect, test } from "vitest";
import { cleanText } from "@qforge/generation";

// cleanText skips its replaces when a test says they would change nothing: it must answer
// exactly what the replaces alone answer, whatever the text.
function reference(value: string, max: number): string | undefined {
  const s = value
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  return s.length > 0 && s.length <= max ? s : undefined;
}

test("the clean-text shortcut answers what the full cleaning answers", () => {
  const tricky = fc.constantFrom(
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\u0000",
    "\u0007",
    "\u007f",
    "\u0085",
    "\u00a0",
    "\u2028",
    "\u3000",
    "\ufeff",
    "a",
    "Z",
    "é",
    "?",
  );
  const text = fc.oneof(
    fc.string({ unit: fc.oneof(tricky, fc.string({ minLength: 1, maxLength: 3 })), maxLength: 30 }),
    fc.string({ unit: "grapheme", maxLength: 30 }),
  );
  fc.assert(
    fc.property(text, fc.integer({ min: 1, max: 40 }), (value, max) => {
      expect(cleanText(value, max)).toBe(reference(value, max));
    }),
    { numRuns: 5000 },
  );
  expect(cleanText("What is a closure?", 100)).toBe("What is a closure?");
  expect(cleanText("  What\tis a\u0000closure? ", 100)).toBe("What is a closure?");
  expect(cleanText(42, 100)).toBeUndefined();
});
