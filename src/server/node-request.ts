/**
 * Node's side of the GraphQL gate (app.ts): what a request target and Host say, whether a body is
 * small JSON worth reading before choosing who answers it, reading that body, and writing a small
 * Fetch API response to Node's response.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** The path of a request target: origin form (`/graphql?query=...`), or absolute form as a proxy is sent. */
export function pathOf(target: string): string {
  if (!target.startsWith("/")) return URL.canParse(target) ? new URL(target).pathname : target;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** The URL a request asks for (an absolute-form target names its own host), or undefined when Host or target is malformed. */
export function urlOf(host: string | undefined, target: string): URL | undefined {
  if (!target.startsWith("/")) return /^https?:\/\//.test(target) && URL.canParse(target) ? new URL(target) : undefined;
  if (!host || !URL.canParse(`http://${host}${target}`)) return undefined;
  const url = new URL(`http://${host}${target}`);
  // The host must be all of Host (but its port): "a@b" or "a/b" would be read as something else.
  return url.hostname === host.replace(/:\d+$/, "").toLowerCase() ? url : undefined;
}

/** Largest body the spliced answer reads itself; bigger ones go to yoga as they are. */
const SPLICED_BODY_BYTES = 64 * 1024;

/**
 * A JSON body of a declared length, small enough to read before choosing who answers it, and within
 * the body limit: a longer one goes to yoga, whose body limit refuses it without reading it.
 */
export function smallJsonBody(req: IncomingMessage, maxBodyBytes: number): boolean {
  const length = Number(req.headers["content-length"]);
  const type = req.headers["content-type"]?.toLowerCase().replace(/\s/g, "");
  return (
    length > 0 &&
    length <= SPLICED_BODY_BYTES &&
    length <= maxBodyBytes &&
    req.headers["transfer-encoding"] === undefined &&
    (type === "application/json" || type === "application/json;charset=utf-8")
  );
}

/** The whole body of `req` (no more than its Content-Length: Node's parser sees to it); undefined when the client went away first. */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", () => resolve(undefined));
    req.once("close", () => resolve(undefined)); // after "end", a no-op
  });
}

/** Sends a Fetch API response (a small one: the body is read whole) on a Node response. */
export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, { ...Object.fromEntries(response.headers), "Content-Length": body.length }).end(body);
}
