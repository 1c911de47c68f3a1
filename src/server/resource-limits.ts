/**
 * What the boot says of each resource: the limits a client meets on it (rest-dialect.md §9, §22), one
 * log line per resource, so an operator reads them off the log instead of the definitions.
 */
import type { SecurityProfile } from "../metadata/definition.ts";
import type { ResolvedResource } from "../metadata/resolved.ts";
import { rulesFor } from "../rest/security-profile.ts";

/** The limits of one resource as its boot log line carries them. */
export interface ResourceLimits {
  readonly resource: string;
  readonly maxPageSize: number;
  readonly defaultPageSize: number;
  /** Most items in a batch write, and most records a delete by filter deletes. */
  readonly maxBatchSize: number;
  readonly maxDepth: number;
  /** The REST security profile in force: the resource's own, else the server's. */
  readonly securityProfile: SecurityProfile;
  /** The REST request body limit of that profile, in bytes. */
  readonly maxBodyBytes: number;
}

/**
 * The limits of `resource` under the server's security profile.
 * @example logger.info(resourceLimits(posts, "secure"), "resource posts") // { maxPageSize: 1000, … }
 */
export function resourceLimits(resource: ResolvedResource, serverProfile: SecurityProfile): ResourceLimits {
  const rules = rulesFor(resource, serverProfile);
  return {
    resource: resource.plural,
    maxPageSize: resource.maxPageSize,
    defaultPageSize: resource.defaultPageSize,
    maxBatchSize: resource.maxBatchSize,
    maxDepth: resource.maxDepth,
    securityProfile: rules.name,
    maxBodyBytes: rules.maxBodyBytes,
  };
}
