/**
 * The parent's side of the load generator (bench/loadgen.ts, a child process of its own so that no
 * server shares its event loop): sends it jobs over IPC and resolves each with its figures.
 */
import type { LoadJob, LoadReply, LoadResult } from "./loadgen.ts";
import type { Child } from "./processes.ts";

/** The load generator's process, driven over IPC. */
export class LoadGenerator {
  readonly #pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  #next = 0;
  constructor(readonly child: Child) {
    child.process.on("message", (reply: LoadReply) => {
      const waiting = this.#pending.get(reply.id);
      if (!waiting) return;
      this.#pending.delete(reply.id);
      if ("error" in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.result);
    });
    child.process.once("exit", () => {
      for (const { reject } of this.#pending.values()) reject(new Error("The load generator exited."));
      this.#pending.clear();
    });
  }

  /** Runs one job; rejects with the load generator's error (by default any error or non-2xx fails a job). */
  run(job: Omit<LoadJob, "id">): Promise<LoadResult> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.child.process.send({ ...job, id } satisfies LoadJob);
    });
  }
}
