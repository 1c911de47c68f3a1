// The demo's users have Int ids; actors carry theirs as text (a JWT's `sub`).

/** A signed-in actor's numeric user id, or undefined (anonymous, or a subject that is not a user id). */
export function actorUserId(id: string | number | undefined): number | undefined {
  return id !== undefined && Number.isSafeInteger(Number(id)) ? Number(id) : undefined;
}
