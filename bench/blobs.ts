// `npm run bench` (blobs): how fast files go into and out of S3 through Autograph's blob store, against
// the raw minio client writing the same bytes to the same bucket. Autograph's put hashes the bytes while
// it streams them (the object is named by its sha256), then names the object (a server-side copy) and
// drops the temporary key; its get streams the object, or a range of it. Needs an S3 server: the
// micro-ceph radosgw of ../shared/tools/micro-ceph.sh by default (S3_ENDPOINT, S3_ACCESS_KEY,
// S3_SECRET_KEY to point elsewhere). Prints MB/s of each and the ratio to raw minio.
import { randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import * as Minio from "minio";
import { createS3BlobStore } from "../src/storage/blobs/s3-blob-store.ts";
import { medians } from "./medians.ts";
import { textTable } from "./report.ts";

const SIZE = Number(process.env.BENCH_BLOB_MB ?? 8) * 1024 * 1024;
const REPEAT = Number(process.env.BENCH_BLOB_REPEAT ?? 10);
const endpoint = new URL(process.env.S3_ENDPOINT ?? "http://127.0.0.1:7480");
const settings = {
  endPoint: endpoint.hostname,
  port: Number(endpoint.port || (endpoint.protocol === "https:" ? 443 : 80)),
  useSSL: endpoint.protocol === "https:",
  accessKey: process.env.S3_ACCESS_KEY ?? "rgwaccesskey",
  secretKey: process.env.S3_SECRET_KEY ?? "rgwsecretkey1234567890",
  region: process.env.S3_REGION ?? "us-east-1",
};
const bucket = `bench-blobs-${Date.now()}`;
const raw = new Minio.Client(settings);
await raw.makeBucket(bucket, settings.region);
const store = createS3BlobStore({ ...settings, bucket });

const drain = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
const chunked = (bytes: Buffer) =>
  Readable.from(Array.from({ length: bytes.length / 65536 }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536)));

try {
  // Fresh bytes each time, so that dedupe never turns a put into a no-op.
  const fresh = () => randomBytes(SIZE);
  let lastRaw = "";
  let lastId = "";
  const [rawPut, storePut] = await medians(
    [
      async () => {
        lastRaw = `raw/${randomUUID()}`;
        await raw.putObject(bucket, lastRaw, chunked(fresh()), SIZE, { "Content-Type": "application/octet-stream" });
      },
      async () => {
        lastId = (await store.put(chunked(fresh()))).id;
      },
    ],
    REPEAT,
    2,
  );
  const [rawGet, storeGet] = await medians(
    [
      async () => pipeline(await raw.getObject(bucket, lastRaw), drain()),
      async () => pipeline(await store.get(lastId), drain()),
    ],
    REPEAT,
    2,
  );
  const mbps = (ms: number | undefined) => (SIZE / 1024 / 1024 / ((ms ?? Number.NaN) / 1000)).toFixed(1);
  const ratio = (a: number | undefined, b: number | undefined) => `${((b ?? 0) / (a ?? 1)).toFixed(2)}×`;
  console.log(`\nBlobs of ${SIZE / 1024 / 1024} MB on S3 (radosgw), medians of ${REPEAT} in turns:`);
  console.log(
    textTable(
      ["operation", "raw minio MB/s", "Autograph MB/s", "Autograph × raw"],
      [
        ["upload", mbps(rawPut), mbps(storePut), ratio(storePut, rawPut)],
        ["download", mbps(rawGet), mbps(storeGet), ratio(storeGet, rawGet)],
      ],
    ),
  );
} finally {
  const names: string[] = [];
  for await (const o of raw.listObjectsV2(bucket, "", true)) if (o.name) names.push(o.name);
  if (names.length > 0) await raw.removeObjects(bucket, names);
  await raw.removeBucket(bucket);
  await store.close?.();
}
