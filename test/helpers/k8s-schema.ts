// Kubernetes objects checked against the API's published OpenAPI schema, through the validators the
// `kubernetes-models` package generates from it (one per kind). Two checks:
//   schema:  what the schema says — required fields, types, enums (`completionMode: Bogus`);
//   strict:  no field the schema does not know. The OpenAPI schema is open (no
//            additionalProperties: false), so `complettions: 20` would pass it; `kubectl apply`
//            rejects it (strict field validation). A generated validator reads every field its
//            schema knows, so we run it over a Proxy that records the reads: a field never read is
//            unknown to the schema.
// What the schema cannot say (a DNS-1123 name, a port range, image required: the schema leaves it
// optional for controllers to default) the tests assert themselves.
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';

type Obj = Record<string, unknown>;
interface Validating {
  validate(this: unknown): void;
}

const MODELS: Record<string, { model: new (data: any) => Validating; proto: Validating }> = {
  'v1/ConfigMap': { model: ConfigMap, proto: ConfigMap.prototype },
  'v1/Service': { model: Service, proto: Service.prototype },
  'batch/v1/Job': { model: Job, proto: Job.prototype },
  // What README "On Kubernetes" has the user create beside the manifests.
  'v1/PersistentVolumeClaim': { model: PersistentVolumeClaim, proto: PersistentVolumeClaim.prototype },
  'v1/Pod': { model: Pod, proto: Pod.prototype },
};

const isRecord = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every problem the published schema finds in `obj`, then every field it does not know; [] when valid. */
export function k8sProblems(obj: Obj): string[] {
  const entry = MODELS[`${String(obj.apiVersion)}/${String(obj.kind)}`];
  if (!entry) return [`no validator for ${String(obj.apiVersion)} ${String(obj.kind)}`];
  try {
    new entry.model(obj).validate();
  } catch (e) {
    return [(e as Error).message];
  }
  // Strict: run the same validator over a recording Proxy of the object.
  const reads = new Map<object, Set<string>>();
  const proxies = new Map<object, object>();
  const track = <T>(v: T): T => {
    if (v === null || typeof v !== 'object') return v;
    let p = proxies.get(v);
    if (!p) {
      const seen = new Set<string>();
      reads.set(v, seen);
      p = new Proxy(v, {
        get(target, key, receiver) {
          if (typeof key === 'string') seen.add(key);
          return track(Reflect.get(target, key, receiver));
        },
      });
      proxies.set(v, p);
    }
    return p as T;
  };
  entry.proto.validate.call(track(obj));
  const unknown: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    if (!isRecord(v)) return;
    const seen = reads.get(v);
    for (const [k, x] of Object.entries(v)) {
      if (!seen?.has(k)) unknown.push(`${path}.${k}: unknown field`);
      else walk(x, `${path}.${k}`);
    }
  };
  walk(obj, String(obj.kind));
  return unknown;
}
