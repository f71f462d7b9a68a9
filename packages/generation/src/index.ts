export { buildMessages, maxTokensFor } from "./prompt.ts";
export { cleanText, parseModelAnswer, extractQuestionList } from "./parse.ts";
export type { ParsedQuestion, ParseResult } from "./parse.ts";
export {
  generateQuestions,
  GenerationCancelled,
  GenerationError,
  isGenerationCancelled,
  isGenerationError,
  MAX_EXTRA_CALLS,
  singleKeyRouter,
} from "./generate.ts";
export type {
  CallRecord,
  ChatRouter,
  GeneratedQuestion,
  GenerateOptions,
  RoutedAnswer,
} from "./generate.ts";
