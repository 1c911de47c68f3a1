-- Test models with renamed tables and columns (@@map, @map): test/server/api-names.test.ts serves them with apiNames.
-- CreateTable
CREATE TABLE "writers" (
    "writer_id" SERIAL NOT NULL,
    "full_name" TEXT NOT NULL,

    CONSTRAINT "writers_pkey" PRIMARY KEY ("writer_id")
);

-- CreateTable
CREATE TABLE "books" (
    "book_id" SERIAL NOT NULL,
    "book_title" TEXT NOT NULL,
    "isbn_code" TEXT,
    "page_count" INTEGER NOT NULL DEFAULT 0,
    "writer_fk" INTEGER NOT NULL,
    "row_version" INTEGER NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "deleted_at" TIMESTAMP(3),

    CONSTRAINT "books_pkey" PRIMARY KEY ("book_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "books_isbn_code_key" ON "books"("isbn_code");

-- AddForeignKey
ALTER TABLE "books" ADD CONSTRAINT "books_writer_fk_fkey" FOREIGN KEY ("writer_fk") REFERENCES "writers"("writer_id") ON DELETE RESTRICT ON UPDATE CASCADE;

