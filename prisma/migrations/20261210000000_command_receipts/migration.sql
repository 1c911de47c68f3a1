-- Command receipts (docs/guides/messaging.md): the reply to each broker command's idempotency key,
-- written in the command's own transaction. Optional for Autograph.
-- CreateTable
CREATE TABLE "CommandReceipt" (
    "key" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "reply" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CommandReceipt_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "CommandReceipt_expiresAt_idx" ON "CommandReceipt"("expiresAt");
