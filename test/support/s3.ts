/**
 * The S3 server the blob-store tests use: `S3_TEST_ENDPOINT` (default the micro-ceph radosgw at
 * http://127.0.0.1:7480, started by .ci/run or /work/shared/tools/micro-ceph.sh), `S3_TEST_ACCESS_KEY`,
 * `S3_TEST_SECRET_KEY` and `S3_TEST_REGION`. On a developer's machine without it those tests are skipped,
 * saying why, so `npm test` passes on a fresh machine; in CI (`CI=true`) its absence is a failure.
 */
import type { S3BlobStoreOptions } from "../../src/storage/blobs/s3-blob-store.ts";

const endpoint = new URL(process.env.S3_TEST_ENDPOINT ?? "http://127.0.0.1:7480");

/** Where and how to reach the test S3 server (a bucket name is for each test to choose). */
export const S3_TEST_SETTINGS: Omit<S3BlobStoreOptions, "bucket"> = {
  endPoint: endpoint.hostname,
  port: Number(endpoint.port || (endpoint.protocol === "https:" ? 443 : 80)),
  useSSL: endpoint.protocol === "https:",
  accessKey: process.env.S3_TEST_ACCESS_KEY ?? "rgwaccesskey",
  secretKey: process.env.S3_TEST_SECRET_KEY ?? "rgwsecretkey1234567890",
  region: process.env.S3_TEST_REGION ?? "us-east-1",
};

/** Whether an S3 server answers HTTP at the test endpoint (any status counts: it is up). */
export async function s3Answers(): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/** True when the S3 tests can run; throws in CI when they cannot; otherwise warns once and answers false. */
export async function haveS3(): Promise<boolean> {
  if (await s3Answers()) return true;
  const message = `No S3 server answers at ${endpoint.origin}; the S3 blob-store tests need it. Start one (Ceph radosgw: micro-ceph.sh, as .ci/run does) or set S3_TEST_ENDPOINT.`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`[skipped] ${message}`);
  return false;
}
