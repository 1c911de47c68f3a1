/**
 * The authored form of a resource: what a team writes in schema/<resource>.ts. Loose and optional by
 * design; {@link resolveResources} turns it into the strict, frozen {@link ResolvedResource} that every
 * transport and the runtime read.
 */

/** Filter operators a field can allow. Which ones fit depends on the field's type. */
export const OPERATORS = [
  "eq",
  "ne",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "notIn",
  "contains",
  "startsWith",
  "endsWith",
  "isNull",
] as const;
/** One filter operator. */
export type Operator = (typeof OPERATORS)[number];

/** Aggregate functions over a field (besides `count`, which any query may ask for). */
export const AGGREGATES = ["sum", "avg", "min", "max"] as const;
/** One aggregate function. */
export type AggregateFunction = (typeof AGGREGATES)[number];

/** The views a field can be hidden in: input on create or update, output of one record or of a list. */
export const VIEWS = ["create", "update", "one", "list"] as const;
/** One view. */
export type View = (typeof VIEWS)[number];

/** Context a computed value receives. */
export interface ValueContext {
  /** The acting user's id, or undefined when anonymous. */
  actorId: string | number | undefined;
  /** The time of the operation (one clock reading per operation). */
  now: Date;
}

/**
 * Where a value comes from when the runtime fills it in: `"now"` (the operation's time), `"uuid"`
 * (a random UUID v4), or a function of the operation's context.
 */
export type ValueSource = "now" | "uuid" | ((context: ValueContext) => unknown);

/** Options of one scalar field. Every option is off unless set. */
export interface FieldOptions {
  /**
   * Operators clients may filter this field with, or `true` for every operator that fits its type.
   * @default undefined (not filterable)
   * @example filter: ["eq", "in", "contains"]
   */
  filter?: readonly Operator[] | true;
  /** Clients may sort by this field. @default false */
  sort?: boolean;
  /** Included in the free-text `q` / `search` match (text fields only). @default false */
  search?: boolean;
  /**
   * Views this field is hidden in, or `true` for all of them. A field hidden in `one` and `list`
   * never leaves the server; one hidden in `create`/`update` cannot be written by clients there.
   * @default undefined (visible everywhere)
   * @example hidden: ["one", "list"] // write-only, e.g. a password hash
   */
  hidden?: boolean | readonly View[];
  /** Clients may never write this field (it may still be set by `onCreate`/`onUpdate`). @default false */
  readOnly?: boolean;
  /** Value the runtime sets on create, overriding any client input. @example onCreate: "now" */
  onCreate?: ValueSource;
  /** Value the runtime sets on every update and patch. @example onUpdate: "now" */
  onUpdate?: ValueSource;
  /**
   * Aggregates clients may compute over this field: `true` for every one that fits its type (sum and
   * avg on numbers; min and max on numbers, dates and text). `count` needs no declaration.
   * @default undefined (none)
   * @example aggregate: ["sum", "avg", "max"]
   */
  aggregate?: readonly AggregateFunction[] | true;
  /** Clients may group aggregates by this field. @default false */
  groupBy?: boolean;
  /** Value used on create when the client sends none (after the database default, before validation). */
  default?: unknown;
  /** Shown in GraphQL and OpenAPI descriptions. */
  description?: string;
}

/** Views a relation can be embedded in. */
export type RelationView = "one" | "list";

/** Options of one exposed relation. A relation not listed in `relations` is not exposed at all. */
export interface RelationOptions {
  /**
   * Where the relation may be read: `one` (a single record), `list` (each record of a list).
   * @default ["one", "list"]
   */
  views?: readonly RelationView[];
  /**
   * For a many-to-many through an explicit join model: the relation field, on the join model, that
   * points at the other side. @example tags: { through: "tag" } // Post.tags is PostTag[]; PostTag.tag is Tag
   */
  through?: string;
  /**
   * Clients may filter through this relation on the related resource's filterable fields
   * (`where: { author: { name: { contains: "ada" } } }`, `filter={"author.name":"Ada"}`); to-many
   * relations take `some` / `every` / `none`. @default false
   */
  filter?: boolean;
  /** Clients may sort by the related resource's sortable fields (to-one relations only). @default false */
  sort?: boolean;
  description?: string;
}

/** How a resource's ids are made on create. */
export type IdGenerator = "database" | "uuid" | (() => string | number);

/** A resource definition: one Prisma model served over GraphQL and REST. */
export interface ResourceDefinition<Scalar extends string = string, Relation extends string = string> {
  /** The Prisma model this resource serves. */
  model: string;
  /** Singular name (GraphQL `post`, `createPost`). @default the model name in camelCase */
  name?: string;
  /** Plural name (GraphQL `posts`, REST `/api/posts`, react-admin resource). @default name + "s" (y → ies) */
  plural?: string;
  description?: string;
  /** How ids are made on create. @default "database" (the column's default, e.g. autoincrement) */
  id?: IdGenerator;
  /**
   * PostgreSQL text search configuration of full-text search over the fields declared `search`
   * (`english` stems words, `simple` does not). A GIN index on the same expression makes it fast:
   * `npm run db:search-indexes` prints the statements for a migration. @default "english"
   */
  searchLanguage?: string;
  /** Largest page a client may ask for. @default 100 */
  maxPageSize?: number;
  /** Page size when the client names none. @default 25 */
  defaultPageSize?: number;
  /** How deep relations may nest from this resource (GraphQL nesting, REST embeds). @default 3 */
  maxDepth?: number;
  /** Per-field options, keyed by the model's scalar field names. */
  fields?: { [K in Scalar]?: FieldOptions };
  /** Exposed relations, keyed by the model's relation field names; `true` takes the defaults. */
  relations?: { [K in Relation]?: RelationOptions | true };
}

/** Field names of the models of a Prisma client, used to type definitions against the real schema. */
export type ModelShapes = Record<string, { scalars: string; relations: string }>;

/**
 * Returns a `defineResource` typed against a project's Prisma models, so a misspelt field is a type
 * error in the editor as well as a boot error.
 * @example
 * export const defineResource = createResourceDefiner<DemoModels>();
 * export default defineResource("Post", { fields: { title: { sort: true } } });
 */
export function createResourceDefiner<Models extends ModelShapes>() {
  return function defineResource<M extends keyof Models & string>(
    model: M,
    definition: Omit<ResourceDefinition<Models[M]["scalars"], Models[M]["relations"]>, "model"> = {},
  ): ResourceDefinition {
    return { ...definition, model } as ResourceDefinition;
  };
}
