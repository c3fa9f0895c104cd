// Validates Kubernetes and KEDA manifests offline against their OpenAPI schemas (kubernetes-models,
// @kubernetes-models/keda). Usage: node validate.mjs FILE.yaml...; exit 1 when any document is invalid.
// Note: the upstream schemas check types, enums and required fields; they do not reject unknown field names.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Service } from "kubernetes-models/v1/Service";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { ScaledJob } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJob";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { Secret } from "kubernetes-models/v1/Secret";

const models = {
  "batch/v1 Job": Job,
  "apps/v1 Deployment": Deployment,
  "apps/v1 StatefulSet": StatefulSet,
  "v1 Service": Service,
  "v1 ConfigMap": ConfigMap,
  "v1 PersistentVolumeClaim": PersistentVolumeClaim,
  "v1 Secret": Secret,
  "keda.sh/v1alpha1 TriggerAuthentication": TriggerAuthentication,
  "keda.sh/v1alpha1 ScaledObject": ScaledObject,
  "keda.sh/v1alpha1 ScaledJob": ScaledJob,
};

let failures = 0;
let checked = 0;
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE.yaml...");
  process.exit(2);
}
for (const file of files) {
  let documents;
  try {
    documents = yaml.loadAll(readFileSync(file, "utf8")).filter((d) => d !== null && d !== undefined);
  } catch (e) {
    console.log(`invalid ${file}: not YAML: ${e.message}`);
    failures++;
    continue;
  }
  for (const doc of documents) {
    const key = `${doc.apiVersion} ${doc.kind}`;
    const name = doc.metadata?.name ?? doc.metadata?.generateName ?? "?";
    const Model = models[key];
    if (!Model) {
      console.log(`invalid ${file} ${key}/${name}: no schema for this apiVersion and kind`);
      failures++;
      continue;
    }
    try {
      new Model(doc).validate();
      checked++;
      console.log(`ok ${file} ${doc.kind}/${name}`);
    } catch (e) {
      failures++;
      console.log(`invalid ${file} ${doc.kind}/${name}: ${e.message}`);
    }
  }
}
console.log(`${checked} valid, ${failures} invalid`);
process.exit(failures === 0 ? 0 : 1);
