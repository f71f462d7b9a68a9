-- AlterTable
ALTER TABLE "questions" ADD COLUMN     "role_key" TEXT;

-- CreateIndex
CREATE INDEX "questions_tenant_id_role_key_difficulty_idx" ON "questions"("tenant_id", "role_key", "difficulty");
