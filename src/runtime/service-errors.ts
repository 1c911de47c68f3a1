/**
 * Storage failures as clients see them: storage classifies what the database refused (a unique or
 * foreign key, a missing row, a value out of range, an outage), and this turns each kind into an
 * {@link AppError} that names the resource and the field at fault, never the database's own text.
 */
import type { ResolvedResource } from "../metadata/resolved.ts";
import { classifyStorageError } from "../storage/store.ts";
import { AppError, show } from "./errors.ts";
import type { WriteAction } from "./hooks.ts";

/** The 404 of a record that does not exist for the actor (absent, out of scope, or in the trash). */
export function notFound(resource: ResolvedResource, id: unknown): AppError {
  return new AppError("NOT_FOUND", `No ${resource.name} with id ${show(id)}.`);
}

/** Told of each statement PostgreSQL cancelled for running past `statement_timeout` (the server logs it). */
export type TimeoutReporter = (where: { resource: string; operation: string }, error: unknown) => void;

/**
 * Runs storage work of `resource`, turning storage failures into {@link AppError}s. `action` is the
 * write under way (undefined for a read): a refused value is then the input's fault (422), not the
 * filter's (400), and a foreign key refusing a delete is a conflict. A statement timeout is reported
 * to `onTimeout` here, where the failure is first translated, so it is reported once per request.
 */
export async function translate<T>(
  resource: ResolvedResource,
  work: () => Promise<T>,
  action?: WriteAction,
  onTimeout?: TimeoutReporter,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    const failure = classifyStorageError(error);
    if (!failure) throw error;
    switch (failure.kind) {
      case "unique": {
        // The database names columns; clients know the fields by their API names.
        const named = failure.fields.map((c) => resource.fields.find((f) => f.column === c)?.name ?? c);
        const fields = named.length > 0 ? named : ["(unknown)"];
        throw new AppError("CONFLICT", `A ${resource.name} with this ${fields.join(" + ")} already exists.`, {
          fields: Object.fromEntries(fields.map((f) => [f, "must be unique"])),
          cause: error,
        });
      }
      case "notFound":
        throw new AppError("NOT_FOUND", `The ${resource.name} does not exist (any more).`, { cause: error });
      case "foreignKey": {
        if (action === "delete") {
          throw new AppError(
            "CONFLICT",
            `Cannot delete this ${resource.name}: other records still refer to it${referrer(failure.constraint)}.`,
            { cause: error },
          );
        }
        // Prisma names a foreign key `<table>_<column>_fkey`.
        const field = resource.relations.find(
          (r) =>
            r.kind === "belongsTo" &&
            failure.constraint?.includes(`_${resource.field.get(r.localField)?.column ?? r.localField}_`),
        );
        const fk = field?.kind === "belongsTo" ? field.localField : undefined;
        throw new AppError(
          "VALIDATION_FAILED",
          fk
            ? `Invalid ${resource.name}: ${fk} refers to a ${field?.target} that does not exist.`
            : `Invalid ${resource.name}: a reference points to a record that does not exist.`,
          {
            ...(fk ? { fields: { [fk]: `no ${field?.target} with this id` } } : {}),
            cause: error,
          },
        );
      }
      case "valueOutOfRange":
        throw new AppError("VALIDATION_FAILED", `Invalid ${resource.name}: a value is too long or out of range.`, {
          cause: error,
        });
      case "invalidValue":
        // A read's filter value (400) or a written value (422) the database refused, e.g. text too long to index.
        throw action
          ? new AppError(
              "VALIDATION_FAILED",
              `Invalid ${resource.name}: the database refused a value (too large or out of range).`,
              { cause: error },
            )
          : new AppError(
              "BAD_REQUEST",
              `The database refused a filter value of ${resource.plural} (too large or out of range).`,
              { cause: error },
            );
      case "invalidRegex":
        throw new AppError(
          "BAD_REQUEST",
          `Invalid regular expression in a filter of ${resource.plural}: ${failure.message}.`,
          { cause: error },
        );
      case "unavailable":
        throw new AppError("UNAVAILABLE", "The database is unavailable; try again shortly.", { cause: error });
      case "timeout":
        onTimeout?.({ resource: resource.name, operation: action ?? "read" }, error);
        throw new AppError(
          "TIMEOUT",
          `The database took too long to ${action ? `${action} this ${resource.name}` : `read ${resource.plural}`} and the statement was cancelled; try again later, or ask for less.`,
          { cause: error },
        );
    }
  }
}

/** The referring model a foreign key's constraint name starts with, for the message. */
function referrer(constraint: string | undefined): string {
  const model = constraint?.split("_")[0];
  return model ? ` (${model} rows)` : "";
}
