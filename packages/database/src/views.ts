import type { BatchView, GenerateRequest, JobView, QuestionView } from "@qforge/schemas";
import type { Batch, Job, Question } from "./generated/prisma/client.ts";

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function questionView(q: Question): QuestionView {
  return {
    id: q.id,
    question: q.question,
    category: q.category,
    difficulty: q.difficulty,
    key_points: q.keyPoints,
    source: q.source,
    provider: q.provider,
    model: q.model,
    bank_role: q.bankRole,
  };
}

export function jobView(job: Job & { questions: Question[] }): JobView {
  return {
    id: job.id,
    batch_id: job.batchId,
    index: job.index,
    status: job.status,
    request: job.request as GenerateRequest,
    questions: job.questions.map(questionView),
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? "" } : null,
    attempts: job.attempts,
    created_at: job.createdAt.toISOString(),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
  };
}

export function batchView(b: Batch): BatchView {
  return {
    id: b.id,
    status: b.status,
    counts: {
      total: b.total,
      queued: b.queuedCount,
      active: b.activeCount,
      completed: b.completedCount,
      failed: b.failedCount,
      cancelled: b.cancelledCount,
    },
    created_at: b.createdAt.toISOString(),
    completed_at: iso(b.completedAt),
    webhook_url: b.webhookUrl,
    metadata: (b.metadata as Record<string, string> | null) ?? null,
    usage: {
      provider_calls: b.providerCalls,
      prompt_tokens: b.promptTokens,
      completion_tokens: b.completionTokens,
    },
  };
}
