-- Questions are keyed by their job: (job_id, position) becomes the primary key, and the two
-- indexes that only checked again what the code guarantees go. Every question written costs two
-- index writes instead of four (the worker's hottest statement writes five questions a job).

-- DropIndex
DROP INDEX "questions_job_id_normalized_key";

-- AlterTable: the existing unique index on (job_id, position) becomes the primary key (no rebuild)
ALTER TABLE "questions" DROP CONSTRAINT "questions_pkey",
ADD CONSTRAINT "questions_pkey" PRIMARY KEY USING INDEX "questions_job_id_position_key";
