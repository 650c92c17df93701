import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service, type IContainer, type IPodSpec, type IProbe } from 'kubernetes-models/v1';
import { parseAllDocuments, parseDocument, type Document } from 'yaml';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';
import { compiledPath, K8S_DIR, readText, readYaml, SERVICE_DIR, SERVICE_NAME } from './files.js';

/**
 * The Kubernetes manifests (deploy/k8s, a kustomization) and the Dockerfile,
 * checked against the Kubernetes schemas and against the service itself: its
 * name, its configuration, its probes and its build output.
 */

const KUSTOMIZATION = 'kustomization.yaml';

/** The model of each kind the kustomization must hold exactly once. */
const MODELS = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
} as const;
type ModelClass = (typeof MODELS)[keyof typeof MODELS];

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  data: Record<string, unknown>;
}

interface Kustomization {
  apiVersion: string;
  kind: string;
  resources?: string[];
  nameSuffix?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
}

const kustomization = readYaml<Kustomization>(path.join(K8S_DIR, KUSTOMIZATION));
/** The migration Job's own kustomization, whose nameSuffix names the release. */
const MIGRATION_DIR = 'migration';
const migrationKustomization = readYaml<Kustomization>(path.join(K8S_DIR, MIGRATION_DIR, KUSTOMIZATION));

/** The files a kustomization lists, relative to deploy/k8s, a listed directory's (its kustomization's) included. */
function listedFiles(dir: string): string[] {
  const listed = readYaml<Kustomization>(path.join(K8S_DIR, dir, KUSTOMIZATION)).resources ?? [];
  return listed.flatMap((entry) => {
    const relative = path.posix.join(dir, entry);
    return statSync(path.join(K8S_DIR, relative)).isDirectory() ? listedFiles(relative) : [relative];
  });
}
const resources = listedFiles('');

/** Every document of every file the kustomization lists; syntax errors and duplicate keys throw. */
const manifests: Manifest[] = resources.flatMap((file) =>
  parseAllDocuments(readText(path.join(K8S_DIR, file)), { uniqueKeys: true, prettyErrors: true })
    .filter((document) => document.contents !== null)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map(String).join('; ')}`);
      const data = document.toJS() as Record<string, unknown>;
      return { file, apiVersion: String(data.apiVersion), kind: String(data.kind), data };
    }),
);

/** The single manifest of a kind, as its model (not validated: the first test does that). */
function one<M extends ModelClass>(model: M): InstanceType<M> {
  const found = manifests.filter((manifest) => `${manifest.apiVersion}/${manifest.kind}` === key(model));
  if (found.length !== 1) throw new Error(`expected one ${key(model)} in ${KUSTOMIZATION}, found ${found.length}`);
  return new (model as unknown as new (data: unknown) => InstanceType<M>)(found[0]!.data);
}

function key(model: ModelClass): string {
  return Object.entries(MODELS).find(([, candidate]) => candidate === model)![0];
}

const deployment = one(Deployment);
const service = one(Service);
const configMap = one(ConfigMap);
const job = one(Job);
const serviceMonitor = one(ServiceMonitor);
const podDisruptionBudget = one(PodDisruptionBudget);
const hpa = one(HorizontalPodAutoscaler);
const networkPolicy = one(NetworkPolicy);

const podSpec: IPodSpec = deployment.spec!.template.spec!;
const jobTemplate = job.spec!.template;
const container: IContainer | undefined = podSpec.containers.find((candidate) => candidate.name === SERVICE_NAME);
const configData: Record<string, string> = configMap.data ?? {};
/** The configuration the pods run with: the ConfigMap through the service's own loader. */
const podConfig: Config = loadConfig(configData);

function mustHave<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

/** True when every label of `selector` is on `labels` (and the selector is not empty). */
function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([name, value]) => labels?.[name] === value);
}

// Manifests and the kustomization

test('the kustomization is a kustomize.config.k8s.io Kustomization', (t) => {
  t.regex(kustomization.apiVersion, /^kustomize\.config\.k8s\.io\//);
  t.is(kustomization.kind, 'Kustomization');
});

test('every manifest of the kustomization validates against its Kubernetes schema', (t) => {
  t.true(manifests.length > 0);
  for (const manifest of manifests) {
    const model = MODELS[`${manifest.apiVersion}/${manifest.kind}` as keyof typeof MODELS] as
      (new (data: unknown) => { validate(): void }) | undefined;
    if (!model) {
      t.fail(`${manifest.file}: no schema here for ${manifest.apiVersion} ${manifest.kind}`);
      continue;
    }
    t.notThrows(() => new model(manifest.data).validate(), `${manifest.file} (${manifest.kind})`);
    t.truthy((manifest.data.metadata as { name?: string } | undefined)?.name, `${manifest.file} has a name`);
  }
});

test('the kustomization holds one Deployment, Service, ConfigMap, PDB, HPA, Job, ServiceMonitor and NetworkPolicy', (t) => {
  const kinds = manifests.map((manifest) => `${manifest.apiVersion}/${manifest.kind}`).sort();
  t.deepEqual(kinds, Object.keys(MODELS).sort());
});

test('every file in deploy/k8s is listed in the kustomization, and every listed file exists', (t) => {
  const files = (readdirSync(K8S_DIR, { recursive: true }) as string[])
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => statSync(path.join(K8S_DIR, file)).isFile() && path.posix.basename(file) !== KUSTOMIZATION);
  t.deepEqual([...files].sort(), [...resources].sort());
  for (const file of resources) t.true(existsSync(path.join(K8S_DIR, file)), file);
});

// Names and labels

test("the Deployment and its container are named after package.json's name", (t) => {
  t.is(deployment.metadata?.name, SERVICE_NAME);
  t.truthy(container, `a container named ${SERVICE_NAME}: ${podSpec.containers.map((c) => c.name).join(', ')}`);
});

test("the Deployment's selector matches its own pod template", (t) => {
  t.true(selects(deployment.spec?.selector.matchLabels, deployment.spec?.template.metadata?.labels));
});

test("the Service selects the Deployment's pods, not the migration Job's, and targets the http and metrics ports", (t) => {
  const podLabels = deployment.spec?.template.metadata?.labels;
  t.true(selects(service.spec?.selector, podLabels), JSON.stringify({ selector: service.spec?.selector, podLabels }));
  t.false(selects(service.spec?.selector, jobTemplate.metadata?.labels));
  const containerPorts = mustHave(container, 'container').ports ?? [];
  for (const port of service.spec?.ports ?? []) {
    const target = containerPorts.find((candidate) =>
      [candidate.name, candidate.containerPort].includes(port.targetPort),
    );
    t.is(target?.name, port.name, `Service port ${port.name} targets the container port of its name`);
  }
  t.deepEqual((service.spec?.ports ?? []).map((port) => port.name).sort(), ['http', 'metrics']);
});

test("the PodDisruptionBudget and the HPA apply to the Deployment's pods", (t) => {
  t.true(selects(podDisruptionBudget.spec?.selector?.matchLabels, deployment.spec?.template.metadata?.labels));
  t.false(selects(podDisruptionBudget.spec?.selector?.matchLabels, jobTemplate.metadata?.labels));
  t.like(hpa.spec?.scaleTargetRef, { apiVersion: deployment.apiVersion, kind: 'Deployment', name: SERVICE_NAME });
  // With maxUnavailable 1 (or minAvailable 1), a single replica could not be drained.
  t.true((hpa.spec?.minReplicas ?? 1) >= 2, 'the HPA keeps at least 2 replicas');
});

// Kubernetes docs, "Migrating Deployments and StatefulSets to horizontal autoscaling": with an
// HPA, spec.replicas should be left out of the manifest, or every `kubectl apply -k` scales the
// Deployment back to it (here from up to 10 pods to 2) until the HPA scales up again.
test('the Deployment leaves its replica count to the HPA (no spec.replicas)', (t) => {
  t.is(deployment.spec?.replicas, undefined);
});

test("the ServiceMonitor selects the Service's labels and scrapes its named port at /metrics", (t) => {
  t.true(
    selects(serviceMonitor.spec.selector.matchLabels, service.metadata?.labels),
    JSON.stringify({ selector: serviceMonitor.spec.selector, labels: service.metadata?.labels }),
  );
  const portNames = (service.spec?.ports ?? []).map((port) => port.name);
  t.true((serviceMonitor.spec.endpoints ?? []).length > 0);
  for (const endpoint of serviceMonitor.spec.endpoints ?? []) {
    t.true(portNames.includes(endpoint.port), `endpoint port ${endpoint.port} is one of ${portNames.join(', ')}`);
    t.is(endpoint.port, 'metrics', 'the public port answers /metrics 404 when METRICS_PORT is set');
    t.is(endpoint.path ?? '/metrics', '/metrics');
  }
});

// Ports and probes

test('the container port named http is PORT of the ConfigMap and of loadConfig', (t) => {
  const http = mustHave(container, 'container').ports?.find((port) => port.name === 'http');
  t.truthy(http, 'a container port named http');
  t.is(http?.containerPort, podConfig.port);
  t.is(http?.containerPort, Number(configData.PORT));
  t.is(http?.containerPort, loadConfig({}).port, "loadConfig's default PORT");
});

test('the container port named metrics is METRICS_PORT of the ConfigMap, apart from PORT', (t) => {
  const metrics = mustHave(container, 'container').ports?.find((port) => port.name === 'metrics');
  t.truthy(metrics, 'a container port named metrics');
  t.is(metrics?.containerPort, mustHave(podConfig.metricsPort, 'METRICS_PORT in the ConfigMap'));
  t.not(podConfig.metricsPort, podConfig.port);
});

const PROBES = [
  ['livenessProbe', '/healthz'],
  ['startupProbe', '/healthz'],
  ['readinessProbe', '/ready'],
] as const;

for (const [name, expectedPath] of PROBES) {
  test(`${name}: GET ${expectedPath} on the http port, timeoutSeconds 2 or 3`, (t) => {
    const probe: IProbe | undefined = container?.[name];
    t.truthy(probe, `${name} is set`);
    t.is(probe?.httpGet?.path, expectedPath);
    const port = container?.ports?.find((candidate) =>
      typeof probe?.httpGet?.port === 'string'
        ? candidate.name === probe.httpGet.port
        : candidate.containerPort === probe?.httpGet?.port,
    );
    t.is(port?.name, 'http', `probe port ${String(probe?.httpGet?.port)}`);
    t.is(port?.containerPort, podConfig.port);
    t.true([2, 3].includes(probe?.timeoutSeconds ?? 1), `timeoutSeconds ${probe?.timeoutSeconds ?? '1 (default)'}`);
  });
}

test('the readiness probe waits longer than HEALTH_TIMEOUT_MS, so a hung check answers 503, not a timeout', (t) => {
  const timeoutSeconds = container?.readinessProbe?.timeoutSeconds ?? 1;
  t.true(
    timeoutSeconds * 1000 > podConfig.healthTimeoutMs,
    `${timeoutSeconds} s vs HEALTH_TIMEOUT_MS ${podConfig.healthTimeoutMs}`,
  );
});

/** Time left for in-flight requests after the delay, at the least. */
const MIN_DRAIN_MS = 5000;

test('terminationGracePeriodSeconds > SHUTDOWN_TIMEOUT_MS >= SHUTDOWN_DELAY_MS + a drain', (t) => {
  const gracePeriodMs = (podSpec.terminationGracePeriodSeconds ?? 30) * 1000;
  const { shutdownDelayMs, shutdownTimeoutMs } = podConfig;
  t.true(
    gracePeriodMs > shutdownTimeoutMs,
    `grace period ${gracePeriodMs} ms vs SHUTDOWN_TIMEOUT_MS ${shutdownTimeoutMs}`,
  );
  t.true(
    shutdownTimeoutMs >= shutdownDelayMs + MIN_DRAIN_MS,
    `SHUTDOWN_TIMEOUT_MS ${shutdownTimeoutMs} vs SHUTDOWN_DELAY_MS ${shutdownDelayMs} + ${MIN_DRAIN_MS} ms`,
  );
  // Endpoints and load balancers need a moment to stop sending requests after SIGTERM.
  t.true(shutdownDelayMs > 0, 'SHUTDOWN_DELAY_MS is set');
});

// Configuration

test('loadConfig accepts the ConfigMap', (t) => {
  t.notThrows(() => loadConfig(configData));
  t.true(Object.keys(configData).length > 0);
});

test('every ConfigMap key is a variable loadConfig reads', (t) => {
  // loadConfig drops keys it does not know, so a misspelt one would pass it silently.
  // A blank value is invalid for every variable it reads: its error names the key.
  for (const variable of Object.keys(configData)) {
    const error = t.throws(() => loadConfig({ ...configData, [variable]: ' ' }), { instanceOf: ConfigError });
    t.regex(error?.message ?? '', new RegExp(`(: |; )${variable} `), `${variable} is not a variable of loadConfig`);
  }
});

test('DATABASE_URL comes from a Secret, in the Deployment and in the Job, never from the ConfigMap', (t) => {
  t.false('DATABASE_URL' in configData);
  for (const [what, candidate] of [
    ['Deployment', container],
    ['Job', jobTemplate.spec?.containers[0]],
  ] as const) {
    const variable = candidate?.env?.find((entry) => entry.name === 'DATABASE_URL');
    t.truthy(variable?.valueFrom?.secretKeyRef?.name, `${what}: DATABASE_URL from a secretKeyRef`);
    t.true(
      (candidate?.envFrom ?? []).some((source) => source.configMapRef?.name === configMap.metadata?.name),
      `${what} reads the ConfigMap`,
    );
  }
});

test('the pods do not migrate; the Job runs the compiled migrate-cli with the same image', (t) => {
  t.is(podConfig.migrateOnStart, false);
  const migrate = mustHave(jobTemplate.spec?.containers[0], 'Job container');
  const command = [...(migrate.command ?? []), ...(migrate.args ?? [])];
  t.deepEqual(command, ['node', compiledPath('src/db/migrate-cli.ts')]);
  t.true(existsSync(path.join(SERVICE_DIR, 'src/db/migrate-cli.ts')));
  t.is(migrate.image, container?.image);
  t.true(['Never', 'OnFailure'].includes(jobTemplate.spec?.restartPolicy ?? ''), 'a Job restarts Never or OnFailure');
});

// NetworkPolicy

type PolicyPeer = NonNullable<NonNullable<NetworkPolicy['spec']>['ingress']>[number]['from'];

/** The ingress rules that open a container port, by the port's name or number. */
function ingressTo(portName: string): NonNullable<NetworkPolicy['spec']>['ingress'] {
  const number = container?.ports?.find((port) => port.name === portName)?.containerPort;
  return (networkPolicy.spec?.ingress ?? []).filter(
    (rule) => rule.ports === undefined || rule.ports.some((port) => port.port === portName || port.port === number),
  );
}

const inCluster = (from: PolicyPeer) =>
  (from ?? []).every((peer) => peer.ipBlock === undefined && peer.namespaceSelector !== undefined);

test("the NetworkPolicy applies to the Deployment's pods, both ways", (t) => {
  t.true(selects(networkPolicy.spec?.podSelector.matchLabels, deployment.spec?.template.metadata?.labels));
  t.deepEqual([...(networkPolicy.spec?.policyTypes ?? [])].sort(), ['Egress', 'Ingress']);
});

test('the NetworkPolicy opens the application port to the cluster, and nothing from outside it', (t) => {
  const rules = ingressTo('http') ?? [];
  t.is(rules.length, 1);
  const from = rules[0]?.from;
  t.truthy(from && from.length > 0, 'a rule with no `from` would admit every address');
  t.true(inCluster(from), JSON.stringify(from));
});

test('the NetworkPolicy opens the metrics port to Prometheus pods only, selected by label', (t) => {
  const rules = ingressTo('metrics') ?? [];
  t.is(rules.length, 1, 'one rule for the metrics port, and no rule for every port');
  const peers = rules[0]?.from ?? [];
  t.true(peers.length > 0);
  for (const peer of peers) {
    t.is(peer.ipBlock, undefined);
    t.deepEqual(peer.podSelector?.matchLabels, { 'app.kubernetes.io/name': 'prometheus' });
  }
  t.deepEqual(
    rules[0]?.ports?.map((port) => port.port),
    ['metrics'],
  );
});

test('the NetworkPolicy lets out only DNS, PostgreSQL and OTLP, by port', (t) => {
  const rules = networkPolicy.spec?.egress ?? [];
  for (const rule of rules) t.true((rule.ports ?? []).length > 0, 'a rule without ports would let out everything');
  const ports = rules.flatMap((rule) => (rule.ports ?? []).map((port) => `${port.port}/${port.protocol ?? 'TCP'}`));
  t.deepEqual(ports.sort(), ['4317/TCP', '4318/TCP', '53/TCP', '53/UDP', '5432/TCP']);
});

// The migration Job, once per release

/** A Job name must be a DNS label to be a pod label's value (`job-name`): at most 63 characters. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

test("the migration Job's name carries the release: its own kustomization with a nameSuffix, and one tag for every image", (t) => {
  t.deepEqual(migrationKustomization.resources, ['job.yaml']);
  const suffix = mustHave(migrationKustomization.nameSuffix, 'nameSuffix in migration/kustomization.yaml');
  t.regex(suffix, /^-/);
  const image = kustomization.images?.find((entry) => entry.name === SERVICE_NAME);
  t.truthy(image?.newTag, `images: ${SERVICE_NAME} with a newTag in ${KUSTOMIZATION}`);
  t.is(suffix, `-${image?.newTag}`, 'the suffix is the release, as the tag is');
  const name = `${job.metadata?.name}${suffix}`;
  t.regex(name, DNS_LABEL);
  t.true(name.length <= 63, name);
  // Only a Job whose name changes per release: every other name stays, so apply updates it.
  t.false(manifests.some((manifest) => manifest.file.startsWith(`${MIGRATION_DIR}/`) && manifest.kind !== 'Job'));
});

/** kubectl's built-in kustomize, when kubectl is installed (a service's own machine may not have it). */
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const withKubectl = kubectl ? test : test.skip;

/**
 * deploy/k8s rendered by `kubectl kustomize` for a release, after the two
 * edits the README's deploy sequence makes: the image's tag and the Job's
 * suffix.
 */
function render(t: ExecutionContext, release: string): Manifest[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'k8s-release-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(K8S_DIR, dir, { recursive: true });
  const edit = (file: string, change: (document: Document) => void) => {
    const document = parseDocument(readFileSync(path.join(dir, file), 'utf8'));
    change(document);
    writeFileSync(path.join(dir, file), document.toString());
  };
  edit(KUSTOMIZATION, (document) => document.setIn(['images', 0, 'newTag'], release));
  edit(`${MIGRATION_DIR}/${KUSTOMIZATION}`, (document) => document.set('nameSuffix', `-${release}`));
  const output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(output).map((document) => {
    const data = document.toJS() as Record<string, unknown>;
    return { file: 'rendered', apiVersion: String(data.apiVersion), kind: String(data.kind), data };
  });
}

const nameOf = (manifest: Manifest) => (manifest.data.metadata as { name: string }).name;

withKubectl('two releases render two Job names, the same names for everything else, and validate', (t) => {
  const [first, second] = [render(t, '1.4.0'), render(t, '1.4.1')];
  const jobName = (rendered: Manifest[]) => nameOf(rendered.find((manifest) => manifest.kind === 'Job')!);
  t.is(jobName(first), `${SERVICE_NAME}-migrate-1.4.0`);
  t.is(jobName(second), `${SERVICE_NAME}-migrate-1.4.1`);
  const others = (rendered: Manifest[]) =>
    rendered.filter((manifest) => manifest.kind !== 'Job').map((manifest) => `${manifest.kind}/${nameOf(manifest)}`);
  t.deepEqual(others(first), others(second));
  for (const manifest of second) {
    const model = MODELS[`${manifest.apiVersion}/${manifest.kind}` as keyof typeof MODELS] as
      (new (data: unknown) => { validate(): void }) | undefined;
    t.truthy(model, `${manifest.kind}`);
    if (model) t.notThrows(() => new model(manifest.data).validate(), `${manifest.kind} ${nameOf(manifest)}`);
  }
  // One tag for the release: the Job migrates with the image the pods run.
  const images = second.flatMap((manifest) =>
    ['Deployment', 'Job'].includes(manifest.kind)
      ? (manifest.data as { spec: { template: { spec: IPodSpec } } }).spec.template.spec.containers.map((c) => c.image)
      : [],
  );
  t.deepEqual(images, [`${SERVICE_NAME}:1.4.1`, `${SERVICE_NAME}:1.4.1`]);
  // The suffix is the Job's alone: what it reads keeps its name.
  const rendered = new Job(second.find((manifest) => manifest.kind === 'Job')!.data);
  const migrate = rendered.spec!.template.spec!.containers[0]!;
  t.is(migrate.envFrom?.[0]?.configMapRef?.name, configMap.metadata?.name);
});

// Resources and security

/** A Kubernetes quantity (`100m`, `1`, `128Mi`, `1G`) as a number. */
function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new Error(`unexpected quantity ${value}`);
  const factors: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * (match[2] ? factors[match[2]]! : 1);
}

const WORKLOADS = [
  ['Deployment', podSpec],
  ['Job', jobTemplate.spec!],
] as const;

for (const [what, spec] of WORKLOADS) {
  test(`${what}: every container requests and limits cpu and memory, requests within limits`, (t) => {
    for (const candidate of [...spec.containers, ...(spec.initContainers ?? [])]) {
      for (const resource of ['cpu', 'memory'] as const) {
        const request = candidate.resources?.requests?.[resource];
        const limit = candidate.resources?.limits?.[resource];
        t.truthy(request, `${candidate.name}: requests.${resource}`);
        t.truthy(limit, `${candidate.name}: limits.${resource}`);
        if (request !== undefined && limit !== undefined) {
          t.true(quantity(request) <= quantity(limit), `${candidate.name}: ${resource} ${request} <= ${limit}`);
        }
      }
    }
  });

  test(`${what}: runs as non-root, unprivileged, without privilege escalation`, (t) => {
    for (const candidate of [...spec.containers, ...(spec.initContainers ?? [])]) {
      const context = { ...spec.securityContext, ...candidate.securityContext };
      t.is(context.runAsNonRoot, true, `${candidate.name}: runAsNonRoot`);
      t.not(context.runAsUser, 0, `${candidate.name}: runAsUser`);
      t.is(candidate.securityContext?.allowPrivilegeEscalation, false, `${candidate.name}: allowPrivilegeEscalation`);
      t.not(candidate.securityContext?.privileged, true, `${candidate.name}: privileged`);
    }
  });
}

test('the pod template carries the prometheus.io annotations: scrape, port (= METRICS_PORT) and path /metrics', (t) => {
  const annotations = deployment.spec?.template.metadata?.annotations ?? {};
  t.is(annotations['prometheus.io/scrape'], 'true');
  t.is(annotations['prometheus.io/port'], String(podConfig.metricsPort));
  t.is(annotations['prometheus.io/path'], '/metrics');
});

// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** The Dockerfile's instructions, with comments dropped and continuation lines joined. */
function dockerfile(): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: Instruction | undefined;
  readText('Dockerfile')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.trim();
      if (line.startsWith('#') || (line === '' && !pending)) return;
      if (pending) {
        pending.args += ` ${line.replace(/\\$/, '').trim()}`;
      } else {
        const match = /^(\w+)\s+(.*)$/.exec(line);
        if (!match) throw new Error(`Dockerfile line ${index + 1}: ${line}`);
        pending = { keyword: match[1]!.toUpperCase(), args: match[2]!.replace(/\\$/, '').trim(), line: index + 1 };
      }
      if (!line.endsWith('\\')) {
        instructions.push(pending);
        pending = undefined;
      }
    });
  return instructions;
}

const instructions = dockerfile();
const lastFrom = instructions.findLastIndex((instruction) => instruction.keyword === 'FROM');
const finalStage = instructions.slice(lastFrom);

test('the Dockerfile is multi-stage, and its image copies from the build stage', (t) => {
  const stages = instructions.filter((instruction) => instruction.keyword === 'FROM');
  t.true(stages.length >= 2, `${stages.length} FROM`);
  const names = stages.map((stage) => /\sAS\s+(\S+)/i.exec(stage.args)?.[1]).filter(Boolean);
  const copiedFrom = finalStage
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => /--from=(\S+)/.exec(instruction.args)?.[1]);
  t.true(
    copiedFrom.some((stage) => stage !== undefined && names.includes(stage)),
    `the final stage copies --from one of ${names.join(', ')}`,
  );
});

test('the Dockerfile ends as a non-root USER', (t) => {
  const users = finalStage.filter((instruction) => instruction.keyword === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  t.truthy(user, 'a USER in the final stage');
  t.false(['root', '0'].includes(user ?? 'root'), `USER ${user}`);
});

test('the Dockerfile runs node on the compiled server in exec form, with PORT exposed', (t) => {
  const cmd = finalStage.filter((instruction) => instruction.keyword === 'CMD').at(-1);
  t.truthy(cmd, 'a CMD in the final stage');
  let argv: unknown;
  t.notThrows(() => {
    argv = JSON.parse(cmd?.args ?? '') as unknown;
  }, `exec form (a JSON array): CMD ${cmd?.args}`);
  t.true(Array.isArray(argv));
  t.is((argv as string[])[0], 'node');
  // The tracing preload first, as `npm start` runs it: it does nothing unless OTEL_* asks.
  t.deepEqual((argv as string[]).slice(1, 3), ['--import', `./${compiledPath('src/tracing/register.ts')}`]);
  t.true(existsSync(path.join(SERVICE_DIR, 'src/tracing/register.ts')));
  t.is((argv as string[])[3], compiledPath('src/server.ts'));
  t.true(existsSync(path.join(SERVICE_DIR, 'src/server.ts')));
  t.false(
    finalStage.some((instruction) => instruction.keyword === 'ENTRYPOINT' && !instruction.args.startsWith('[')),
    'no shell-form ENTRYPOINT',
  );
  const exposed = finalStage
    .filter((instruction) => instruction.keyword === 'EXPOSE')
    .flatMap((e) => e.args.split(/\s+/));
  t.true(exposed.includes(String(loadConfig({}).port)), `EXPOSE ${exposed.join(' ')}`);
});

/** .dockerignore's patterns (plain names, `dir/`, `*` globs; no `!` exceptions in use). */
function dockerignored(file: string): boolean {
  const patterns = readText('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (patterns.some((pattern) => pattern.startsWith('!'))) throw new Error('.dockerignore exceptions are not handled');
  return patterns.some((pattern) => {
    const regex = new RegExp(
      `^${pattern
        .replace(/^\/|\/$/g, '')
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')}(/.*)?$`,
    );
    return regex.test(file);
  });
}

test('.dockerignore keeps host builds and secrets out, and lets in what the Dockerfile copies', (t) => {
  for (const file of ['node_modules', 'dist', '.env', '.data']) t.true(dockerignored(file), `${file} is ignored`);
  const sources = instructions
    .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.includes('--from='))
    .flatMap((instruction) => {
      const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      return parts.slice(0, -1);
    });
  t.true(sources.length > 0);
  for (const source of sources) {
    t.false(dockerignored(source.replace(/^\.\//, '')), `${source} is excluded by .dockerignore`);
    // npm install writes package-lock.json; every other source is part of the service.
    if (source !== 'package-lock.json') t.true(existsSync(path.join(SERVICE_DIR, source)), `${source} exists`);
  }
});

test("the Dockerfile's node images satisfy package.json's engines", (t) => {
  const { engines } = JSON.parse(readText('package.json')) as { engines: { node: string } };
  const minimum = Number(/>=\s*(\d+)/.exec(engines.node)?.[1]);
  const majors = instructions
    .filter((instruction) => instruction.keyword === 'FROM')
    .map((instruction) => /\bnode:(\d+)/.exec(instruction.args)?.[1]);
  t.true(majors.length > 0);
  for (const major of majors) t.true(Number(major) >= minimum, `node:${major} vs engines ${engines.node}`);
});
