/**
 * The normalized text of a question, for duplicate detection: lower-cased, punctuation and
 * spacing collapsed. "What is a closure?" and "what is a  closure" are the same question.
 */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Case-insensitive key of a category name. */
export function categoryKey(category: string): string {
  return category.trim().toLowerCase();
}
