/**
 * Access control: who may perform which operation on a resource (RBAC with an admin role that passes
 * every rule, custom checkers), which fields an actor may read and write, and which rows exist for
 * them (tenant and row scope). The service asks here; transports never decide.
 *
 * A row outside the actor's tenant or scope is "not found", never "forbidden": a 403 would confirm it
 * exists. A denied operation is a 403 (401 when no one is signed in).
 */
import type { AccessCheck, AccessOperation, AccessRule, FieldAccessRule } from "../metadata/definition.ts";
import type { ResolvedAction, ResolvedField, ResolvedResource } from "../metadata/resolved.ts";
import type { Actor, RequestContext } from "./context.ts";
import { AppError } from "./errors.ts";
import { coerceValue } from "./coerce.ts";
import { both, liveCondition, type Visibility } from "./query.ts";

const SYSTEM = Symbol("autograph.system");

/**
 * A context for the runtime's own follow-up work inside an operation the actor was allowed (a delete's
 * cascade to child records): no permission, tenant or scope checks, since the parent's check covered it.
 */
export function asSystem(ctx: RequestContext): RequestContext {
  return Object.defineProperty({ ...ctx }, SYSTEM, { value: true, enumerable: true });
}

/** Whether `ctx` is the runtime's own follow-up work ({@link asSystem}). */
export function isSystem(ctx: RequestContext): boolean {
  return (ctx as { [SYSTEM]?: boolean })[SYSTEM] === true;
}

/** What an operation's check knows besides the actor: the record's id, the input and the existing row. */
export type CheckDetail = Omit<AccessCheck, "actor" | "operation" | "resource" | "action">;

/** One actor's view of every resource: fields they may read and write, rows that exist for them. Cached per actor. */
export class ActorView implements Visibility {
  readonly actor: Actor;
  /** The admin role (or the runtime itself): every rule passes, no tenant or scope applies. */
  readonly privileged: boolean;
  readonly #guards = new Map<ResolvedResource, { where: object | undefined; scoped: boolean }>();

  constructor(actor: Actor, privileged: boolean) {
    this.actor = actor;
    this.privileged = privileged;
  }

  /** The tenant and scope condition of `resource` for this actor (undefined: unrestricted), and whether the scope applies. */
  #guard(resource: ResolvedResource): { where: object | undefined; scoped: boolean } {
    let guard = this.#guards.get(resource);
    if (guard) return guard;
    // `ensure` holds for every actor, the admin role and the runtime's own work included.
    let where: object | undefined = resource.ensure;
    let scoped = false;
    if (!this.privileged) {
      if (resource.tenant) where = both(where ?? {}, { [resource.tenant]: this.#tenantValue(resource) ?? { in: [] } });
      const scope = resource.scope?.(this.actor);
      if (scope !== undefined && scope !== null) {
        if (typeof scope !== "object" || Array.isArray(scope))
          throw new Error(
            `The scope of ${resource.plural} returned ${typeof scope}; it must return a where object or undefined.`,
          );
        where = both(where ?? {}, scope);
        scoped = true;
      }
    }
    guard = { where, scoped };
    this.#guards.set(resource, guard);
    return guard;
  }

  /** The actor's tenant as `resource`'s tenant column stores it; undefined without one (or one that cannot fit the column). */
  #tenantValue(resource: ResolvedResource): unknown {
    const field = resource.tenant ? resource.field.get(resource.tenant) : undefined;
    const raw = this.actor.tenantId;
    if (!field || raw === undefined || raw === null || raw === "") return undefined;
    const c = coerceValue({ ...field, isRequired: true }, field.kind === "String" ? String(raw) : raw);
    return c.ok ? c.value : undefined;
  }

  /** The condition rows of `resource` meet inside the actor's tenant and scope (the trash aside). */
  guard(resource: ResolvedResource): object | undefined {
    return this.#guard(resource).where;
  }

  /** The resource's scope restricts this actor (so hiddenWhenScoped fields and scopedWrites apply). */
  scoped(resource: ResolvedResource): boolean {
    return this.#guard(resource).scoped;
  }

  rows(resource: ResolvedResource): object | undefined {
    const live = liveCondition(resource);
    const guard = this.guard(resource);
    return guard ? both(guard, live) : live;
  }

  restricted(resource: ResolvedResource): boolean {
    return this.guard(resource) !== undefined;
  }

  canRead(resource: ResolvedResource, field: ResolvedField): boolean {
    if (field.hidden.one && field.hidden.list) return false;
    if (!field.conditional || this.privileged) return true;
    if (field.hiddenWhenScoped && this.scoped(resource)) return false;
    return field.access?.read === undefined || this.#passes(field.access.read);
  }

  /** Whether the actor may write `field` (fields withheld from them by their scope are not theirs to write either). */
  canWrite(resource: ResolvedResource, field: ResolvedField): boolean {
    if (this.privileged) return true;
    if (field.hiddenWhenScoped && this.scoped(resource)) return false;
    return field.access?.write === undefined || this.#passes(field.access.write);
  }

  /** The tenant value a record this actor creates gets; a 401/403 when they have none. */
  tenantFor(resource: ResolvedResource): unknown {
    const value = this.#tenantValue(resource);
    if (value !== undefined) return value;
    if (this.actor.id === undefined)
      throw new AppError("UNAUTHENTICATED", `Sign in to create ${resource.plural}: each belongs to a tenant.`);
    throw new AppError(
      "FORBIDDEN",
      `You cannot create ${resource.plural}: each belongs to a tenant, and your credentials name none.`,
    );
  }

  #passes(rule: FieldAccessRule): boolean {
    if (rule === true || rule === false) return rule;
    if (rule === "authenticated") return this.actor.id !== undefined;
    if (typeof rule === "function") return rule(this.actor) === true;
    return rule.some((role) => this.actor.roles.includes(role));
  }

  /** Whether a rule that needs no record (roles, booleans) passes; undefined for a checker function. */
  passesStatically(rule: AccessRule | undefined): boolean | undefined {
    if (rule === undefined) return false;
    if (typeof rule === "function") return undefined;
    return this.#passes(rule);
  }
}

/** The access policy of a runtime: its admin role, and each actor's view. */
export class AccessPolicy {
  readonly adminRole: string;
  readonly #views = new WeakMap<Actor, ActorView>();
  readonly #systemViews = new WeakMap<Actor, ActorView>();

  constructor(adminRole: string) {
    this.adminRole = adminRole;
  }

  /** The view of the actor of `ctx` (privileged for the admin role and the runtime's own work). */
  view(ctx: RequestContext): ActorView {
    const system = isSystem(ctx);
    const cache = system ? this.#systemViews : this.#views;
    let view = cache.get(ctx.actor);
    if (!view) {
      view = new ActorView(ctx.actor, system || ctx.actor.roles.includes(this.adminRole));
      cache.set(ctx.actor, view);
    }
    return view;
  }

  /**
   * Throws unless the actor may perform `operation` on `resource`. With `detail` undefined only the
   * rules that need no record are decided (checker functions wait for the record: call again with it).
   */
  async check(
    ctx: RequestContext,
    resource: ResolvedResource,
    operation: AccessOperation,
    detail?: CheckDetail,
  ): Promise<void> {
    if (!resource.access) return;
    await this.#decide(ctx, resource, resource.access[operation], operation, undefined, detail);
  }

  /** {@link AccessPolicy.check} of a custom action: its own rule (undefined: open), told as its operation. */
  async checkAction(
    ctx: RequestContext,
    resource: ResolvedResource,
    action: ResolvedAction,
    detail?: CheckDetail,
  ): Promise<void> {
    if (action.access === undefined) return;
    await this.#decide(ctx, resource, action.access, action.operation, action.name, detail);
  }

  async #decide(
    ctx: RequestContext,
    resource: ResolvedResource,
    rule: AccessRule | undefined,
    operation: AccessOperation,
    action: string | undefined,
    detail: CheckDetail | undefined,
  ): Promise<void> {
    const view = this.view(ctx);
    if (view.privileged) return;
    let allowed = view.passesStatically(rule);
    if (allowed === undefined) {
      if (!detail) return;
      allowed =
        (await (rule as Exclude<AccessRule, boolean | string | readonly string[]>)({
          actor: ctx.actor,
          operation,
          ...(action !== undefined ? { action } : {}),
          resource: resource.name,
          ...detail,
        })) === true;
    }
    if (allowed) return;
    // A resource that declares no rules is locked down in production: say why, so its author knows the fix.
    const why =
      resource.accessSource === "locked"
        ? ` ${resource.plural} declare no access rules, so in production only signed-in actors read them and only the admin role writes them.`
        : "";
    const what = action === undefined ? `${operation} ${resource.plural}` : `${action} ${resource.plural}`;
    if (ctx.actor.id === undefined) throw new AppError("UNAUTHENTICATED", `Sign in to ${what}.${why}`);
    throw new AppError("FORBIDDEN", `You may not ${what}.${why}`);
  }
}
