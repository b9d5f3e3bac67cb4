// validate.mjs -- the manifests of deploy/kubernetes/ checked offline
// against the Kubernetes API schemas (npm's kubernetes-models: each object
// through its kind's model and validate()), plus what the deployment must
// keep: the systemd unit's hardening, probes on /healthz, the scrape
// annotations, a ReadWriteMany store.  A broken copy must be refused, so
// the validator is known to look.  Writes the daemon's configuration file
// (from the Secret) to the path given, for `wasmhostd --check-config`.
//
//   node validate.mjs DIR CONFIG-OUT
// Prints "ok - ..." / "FAIL - ..." lines and "N passed, M failed".
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const [dir, configOut] = process.argv.slice(2);
let passed = 0, failed = 0;
const ok = (what) => { passed++; console.log(`ok - ${what}`); };
const bad = (what) => { failed++; console.log(`FAIL - ${what}`); };
const check = (cond, what) => (cond ? ok(what) : bad(what));

// The model class of an object: kubernetes-models/<group>/<version>, core
// objects under kubernetes-models/v1.
async function model(obj) {
  const [group, version] = obj.apiVersion.includes("/")
    ? obj.apiVersion.split("/") : [null, obj.apiVersion];
  const mod = await import(group ? `kubernetes-models/${group}/${version}`
    : `kubernetes-models/${version}`);
  const cls = mod[obj.kind];
  if (!cls) throw new Error(`no model for ${obj.apiVersion} ${obj.kind}`);
  return cls;
}

async function valid(obj) {
  try {
    const Cls = await model(obj);
    new Cls(obj).validate();
    return null;
  } catch (e) {
    return e.message.split("\n").slice(0, 3).join(" ");
  }
}

const objects = [];
for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml")).sort()) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) {
    if (doc.errors.length) { bad(`${f}: YAML: ${doc.errors[0].message}`); continue; }
    const obj = doc.toJS();
    if (!obj) continue;
    objects.push(obj);
    const err = await valid(obj);
    check(!err, `${f}: ${obj.kind} ${obj.metadata?.name} is valid` +
      (err ? `: ${err}` : ""));
  }
}
const find = (kind) => objects.find((o) => o.kind === kind);
const dep = find("Deployment"), svc = find("Service");
const pvc = find("PersistentVolumeClaim"), secret = find("Secret");
check(dep && svc && pvc && secret, "a Deployment, a Service, a PVC and the config Secret");
if (!dep || !svc || !pvc || !secret) {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
}

const pod = dep.spec.template.spec;
const c = pod.containers.find((k) => k.name === "wasmhostd");
const psc = pod.securityContext ?? {}, csc = c?.securityContext ?? {};
check(psc.runAsNonRoot === true && psc.runAsUser > 0, "runs as a non-root user");
check(csc.readOnlyRootFilesystem === true, "read-only root filesystem");
check(csc.allowPrivilegeEscalation === false, "no privilege escalation (no_new_privs)");
check(JSON.stringify(csc.capabilities?.drop) === '["ALL"]' && !csc.capabilities?.add,
  "every capability dropped, none added");
check(csc.privileged !== true, "not privileged");
check(psc.seccompProfile?.type === "RuntimeDefault", "seccomp RuntimeDefault");
check(c.readinessProbe?.httpGet?.path === "/healthz" &&
  c.livenessProbe?.httpGet?.path === "/healthz", "readiness and liveness on /healthz");
const ann = dep.spec.template.metadata.annotations ?? {};
const port = c.ports.find((p) => p.name === "http")?.containerPort;
check(ann["prometheus.io/scrape"] === "true" && ann["prometheus.io/path"] === "/metrics" &&
  Number(ann["prometheus.io/port"]) === port, "Prometheus scrape annotations on the pod's port");
check(c.args.some((a) => a === "--node-name=$(POD_NAME)") &&
  c.env.some((e) => e.name === "POD_NAME" && e.valueFrom?.fieldRef?.fieldPath === "metadata.name"),
  "each pod names itself (--node-name, the pod's name)");
const claim = pod.volumes.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim?.claimName;
check(claim === pvc.metadata.name && pvc.spec.accessModes.includes("ReadWriteMany"),
  "the store is the ReadWriteMany claim");
const storeMount = c.volumeMounts.find((m) => m.name === pod.volumes.find(
  (v) => v.persistentVolumeClaim).name)?.mountPath;
const conf = JSON.parse(secret.stringData["wasmhostd.json"]);
check(storeMount === conf.state_dir, `the claim is mounted at state_dir (${conf.state_dir})`);
check(Number(conf.listen.split(":").pop()) === port, "the daemon listens on the container port");
const sel = svc.spec.selector ?? {};
check(Object.entries(sel).every(([k, v]) => dep.spec.template.metadata.labels[k] === v) &&
  Object.keys(sel).length > 0, "the Service selects the Deployment's pods");
check(dep.spec.template.spec.terminationGracePeriodSeconds * 1000 > (conf.drain_timeout_ms ?? 10000),
  "the grace period outlasts the drain");

// The validator refuses what it must: a broken copy of the Deployment.
const broken = structuredClone(dep);
broken.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
broken.spec.replicas = "three";
check(await valid(broken), "a Deployment with a string port and replicas is refused");

writeFileSync(configOut, secret.stringData["wasmhostd.json"]);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
