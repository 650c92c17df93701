import type { ServiceIdentity } from '../service.js';
import type { CheckResult, HealthReport } from './types.js';

/** What a health+json body says about the service itself; all of it known at start, from memory. */
export interface HealthIdentity {
  /** The draft's `serviceId`: the package's name. */
  serviceId: string;
  /** The package's version. */
  version: string;
  /** The build's commit (`RELEASE_ID`), when the build set one. */
  releaseId?: string | undefined;
  /** The package's description. */
  description?: string | undefined;
}

/** The identity of a service from its package.json and the release the build set (`RELEASE_ID`). */
export function healthIdentity(service: ServiceIdentity, releaseId: string | undefined): HealthIdentity {
  return { serviceId: service.name, version: service.version, description: service.description, releaseId };
}

/**
 * A health+json body (IETF draft-inadarei-api-health-check): the status, the
 * service's identity, then each check as a list of measurements (ours have
 * one each), keyed by the check's name or `name:measurementName`. Without
 * `checks` (liveness, which runs none) the body has none.
 */
export function healthBody(
  report: Pick<HealthReport, 'status' | 'output'> & Partial<HealthReport>,
  identity: HealthIdentity,
): object {
  const body: Record<string, unknown> = {
    status: report.status,
    version: identity.version,
    ...(identity.releaseId !== undefined && { releaseId: identity.releaseId }),
    ...(report.output !== undefined && { output: report.output }),
    serviceId: identity.serviceId,
    ...(identity.description !== undefined && { description: identity.description }),
  };
  if (report.checks) {
    const checks: Record<string, [object]> = {};
    for (const [name, result] of Object.entries(report.checks)) {
      checks[checkKey(name, result)] = [entry(result)];
    }
    body.checks = checks;
  }
  return body;
}

/** The draft's `{componentName}:{measurementName}`, or the name alone when nothing names the measurement. */
export function checkKey(name: string, result: CheckResult): string {
  const measurement = result.component?.measurementName;
  return measurement === undefined ? name : `${name}:${measurement}`;
}

function entry(result: CheckResult): object {
  const { componentId, componentType } = result.component ?? {};
  return {
    ...(componentId !== undefined && { componentId }),
    ...(componentType !== undefined && { componentType }),
    status: result.status,
    time: result.time,
    ...(result.observedValue !== undefined && { observedValue: result.observedValue }),
    ...(result.observedUnit !== undefined && { observedUnit: result.observedUnit }),
    ...(result.output !== undefined && { output: result.output }),
  };
}
