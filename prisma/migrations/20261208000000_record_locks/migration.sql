-- Record locks (docs/guides/locks.md): who is editing which record, until when. Optional for Autograph.
-- CreateTable
CREATE TABLE "RecordLock" (
    "id" UUID NOT NULL,
    "resource" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "tenantId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RecordLock_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "RecordLock_resource_recordId_key" ON "RecordLock"("resource", "recordId");
