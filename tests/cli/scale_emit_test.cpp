// End to end: `scale-plan --emit` writes Kubernetes and KEDA manifests that pass the upstream schemas offline.
#include <doctest/doctest.h>

#include <filesystem>

#include "core/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

namespace {

const std::string kStats =
    "{\"schema\":\"swath.queue.stats/1\",\"queue\":\"scenes\",\"depth\":400,\"in_flight\":0,\"backlog\":400,"
    "\"workers\":0,\"task_seconds\":{\"p50\":2,\"p95\":4,\"count\":100}}";
const std::string kDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// The validator installed by `make setup` (tests/k8s-schema): node + kubernetes-models + @kubernetes-models/keda.
test::RunResult validate(const std::vector<std::string>& files) {
  const std::string dir = std::string(SWATH_SOURCE_DIR) + "/tests/k8s-schema";
  REQUIRE_MESSAGE(fs::exists(dir + "/node_modules/kubernetes-models"),
                  "run `make setup` to install the schema validators");
  std::vector<std::string> argv = {"node", dir + "/validate.mjs"};
  argv.insert(argv.end(), files.begin(), files.end());
  return test::run(argv);
}

}  // namespace

TEST_CASE("scale-plan --emit all: every manifest validates against the Kubernetes and KEDA schemas") {
  test::ScratchDir dir;
  test::write_text(dir / "stats.json", kStats);
  test::write_text(dir / "policy.yaml", "max_replicas: 6\ndeadline_seconds: 300\nworker_grace_seconds: 40\n");
  const auto r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--policy", dir / "policy.yaml", "--emit",
                              "all", "-o", dir / "k8s", "--image", "registry.example/swath:0.1.0", "--image-digest",
                              kDigest, "--shards", "12"});
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> files;
  for (const char* name :
       {"indexed-job.yaml", "worker-job.yaml", "worker-deployment.yaml", "scaledobject.yaml", "scaledjob.yaml"}) {
    CAPTURE(name);
    REQUIRE(fs::exists(dir / "k8s/" + name));
    files.push_back(dir / "k8s/" + name);
  }
  const auto v = validate(files);
  CHECK_MESSAGE(v.exit_code == 0, v.out << v.err);
  CHECK(v.out.find("5 valid, 0 invalid") != std::string::npos);

  const std::string indexed = core::read_file(dir / "k8s/indexed-job.yaml");
  CHECK(indexed.find("completionMode: Indexed") != std::string::npos);
  CHECK(indexed.find("completions: 12") != std::string::npos);
  CHECK(indexed.find("$(JOB_COMPLETION_INDEX)/12") != std::string::npos);
  CHECK(indexed.find("batch.kubernetes.io/job-completion-index") != std::string::npos);
  const std::string job = core::read_file(dir / "k8s/worker-job.yaml");
  // 400 tasks × 4 s in 300 s with 45 s start-up: 63 per pod → 7 needed, capped at max 6
  CHECK(job.find("parallelism: 6") != std::string::npos);
  CHECK(job.find("--exit-when-empty") != std::string::npos);
  CHECK(job.find("- \"--grace\"\n            - \"40\"\n") != std::string::npos);  // the worker's grace, below the pod's
  CHECK(job.find("image: \"registry.example/swath@" + kDigest + "\"") != std::string::npos);
  CHECK(job.find("terminationGracePeriodSeconds: 55") != std::string::npos);  // above the worker's 40 s
  CHECK(job.find("runAsNonRoot: true") != std::string::npos);
  CHECK(job.find("podFailurePolicy:") != std::string::npos);
  CHECK(job.find("backoffLimit: 6") != std::string::npos);
  CHECK(job.find("ttlSecondsAfterFinished: 3600") != std::string::npos);
  CHECK(job.find("limits:") != std::string::npos);
  const std::string so = core::read_file(dir / "k8s/scaledobject.yaml");
  CHECK(so.find("listName: \"swath:{scenes}:unfinished\"") != std::string::npos);  // waiting and running tasks
  CHECK(so.find("maxReplicaCount: 6") != std::string::npos);
  CHECK(core::read_file(dir / "k8s/scaledjob.yaml").find("strategy: default") != std::string::npos);
}

TEST_CASE("schema validator: a deliberately broken manifest fails validation") {
  test::ScratchDir dir;
  test::write_text(dir / "stats.json", kStats);
  REQUIRE(test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "job", "-o", dir.path()}).exit_code == 0);
  std::string job = core::read_file(dir / "worker-job.yaml");
  const auto at = job.find("parallelism: ");
  REQUIRE(at != std::string::npos);
  job.replace(at, job.find('\n', at) - at, "parallelism: three");
  test::write_text(dir / "broken-job.yaml", job);
  test::write_text(dir / "broken-scaledobject.yaml",
                   "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: x\nspec:\n  triggers: []\n");
  const auto v = validate({dir / "worker-job.yaml", dir / "broken-job.yaml", dir / "broken-scaledobject.yaml"});
  CHECK(v.exit_code == 1);
  CHECK(v.out.find("ok " + dir / "worker-job.yaml") != std::string::npos);
  CHECK(v.out.find("invalid " + dir / "broken-job.yaml Job/swath-worker: data/spec/parallelism must be integer") !=
        std::string::npos);
  CHECK(v.out.find("invalid " + dir / "broken-scaledobject.yaml ScaledObject/x") != std::string::npos);
  CHECK(v.out.find("scaleTargetRef") != std::string::npos);
}

TEST_CASE("scale-plan --emit: bad kind, bad digest and missing -o write nothing") {
  test::ScratchDir dir;
  test::write_text(dir / "stats.json", kStats);
  auto r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "pods", "-o", dir / "out"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--emit 'pods': unknown kind of manifest") != std::string::npos);
  r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "all", "-o", dir / "out", "--image-digest",
                   "sha256:xyz"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--image-digest 'sha256:xyz': not a sha256 digest") != std::string::npos);
  r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "all"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--emit: needs -o DIR") != std::string::npos);
  r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "keda", "-o", dir / "out",
                   "--redis-in-cluster", "unix:///run/redis.sock"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("KEDA's redis scaler reaches Redis over TCP, not a unix socket") != std::string::npos);
  r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "keda", "-o", dir / "out",
                   "--redis-in-cluster", "redis://redis:notaport"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("bad --redis-in-cluster URL") != std::string::npos);
  // A password in the URL would sit in the pods' args in plain text, and KEDA's trigger would lack it.
  r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "all", "-o", dir / "out",
                   "--redis-in-cluster", "redis://user:secret@redis.swath.svc:6379/0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("it carries a password") != std::string::npos);
  CHECK(r.err.find("--redis-password-secret") != std::string::npos);
  CHECK(r.err.find("secret@") == std::string::npos);
  // An ACL user: the workers would log in as it, the emitted KEDA trigger (no user) as the default one.
  r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "all", "-o", dir / "out",
                   "--redis-in-cluster", "redis://tiler:@redis.swath.svc:6379/0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("it names the ACL user 'tiler'") != std::string::npos);
  // Values the API server (or the runtime) would refuse once applied.
  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--image", ""},
                                                        {"--image", "reg/swath:1.0 ; rm -rf /"},
                                                        {"--image", "UPPER/Swath:1"},
                                                        {"--data-claim", "Bad Claim"},
                                                        {"--data-claim", ""},
                                                        {"--redis-password-secret", "Bad_Secret"}}) {
    CAPTURE(value);
    r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "all", "-o", dir / "out", flag, value});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(flag + " '" + value + "'") != std::string::npos);
  }
  CHECK(test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "all", "-o", dir / "ok", "--image",
                     "registry.example.com:5000/team/swath:v1.2_3"})
            .exit_code == 0);
  // KEDA's pollingInterval and cooldownPeriod are whole seconds. Was: 1.5 written as 1, 10.7 as 10.
  for (const std::string policy :
       {"polling_interval_seconds: 1.5\n", "cooldown_seconds: 10.7\n",
        "scale_down:\n  stabilization_window_seconds: 299.7\n", "scale_up:\n  period_seconds: 15.5\n"}) {
    CAPTURE(policy);
    test::write_text(dir / "frac.yaml", policy);
    r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--policy", dir / "frac.yaml", "--emit", "keda", "-o",
                     dir / "out"});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("KEDA's objects take whole numbers only") != std::string::npos, r.err);
  }
  CHECK_FALSE(fs::exists(dir / "out"));
  // A directory where one manifest goes: the others were written (4 of 5), against "together or not at all".
  fs::create_directories(dir / "k/scaledjob.yaml");
  r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "all", "-o", dir / "k"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot write '" + dir / "k/scaledjob.yaml" + "'") != std::string::npos);
  CHECK(std::distance(fs::directory_iterator(dir / "k"), fs::directory_iterator()) == 1);
}

TEST_CASE("examples/k8s: the generated manifests are current, and every file validates") {
  test::ScratchDir dir;
  const std::string k8s = std::string(SWATH_SOURCE_DIR) + "/examples/k8s/";
  const auto g = test::run({k8s + "generate.sh", SWATH_BINARY, dir.path()});
  REQUIRE_MESSAGE(g.exit_code == 0, g.err);
  for (const char* name : {"indexed-job.yaml", "worker-job.yaml", "worker-deployment.yaml", "scaledjob.yaml",
                           "triggerauthentication.yaml"}) {
    CAPTURE(name);
    CHECK_MESSAGE(core::read_file(dir / name) == core::read_file(k8s + name), "run examples/k8s/generate.sh");
  }
  CHECK_FALSE(fs::exists(dir / "scaledobject.yaml"));
  std::vector<std::string> files;
  for (const char* name :
       {"redis.yaml", "data-pvc.yaml", "indexed-job.yaml", "worker-job.yaml", "worker-deployment.yaml",
        "scaledjob.yaml", "triggerauthentication.yaml", "keda-scaledobject.yaml"}) {
    files.push_back(k8s + name);
  }
  const auto v = validate(files);
  CHECK_MESSAGE(v.exit_code == 0, v.out);
  CHECK(v.out.find("10 valid, 0 invalid") != std::string::npos);
  // One queue, one Redis address, one password Secret across every file of the folder (issue 12).
  for (const std::string name :
       {"worker-job.yaml", "worker-deployment.yaml", "scaledjob.yaml", "keda-scaledobject.yaml"}) {
    CAPTURE(name);
    const std::string text = core::read_file(k8s + name);
    CHECK(text.find("redis.swath.svc:6379") != std::string::npos);
    CHECK(text.find("tiles") != std::string::npos);
    CHECK(text.find("swath-redis") != std::string::npos);
    CHECK(text.find("redis.default.svc") == std::string::npos);
    CHECK(text.find("{scenes}") == std::string::npos);
  }
  CHECK(core::read_file(k8s + "redis.yaml").find("--requirepass \"$REDIS_PASSWORD\"") != std::string::npos);
  CHECK(core::read_file(k8s + "keda-scaledobject.yaml").find("namespace: swath") != std::string::npos);
  const std::string redis = core::read_file(k8s + "redis.yaml");
  CHECK(redis.find("appendonly yes") != std::string::npos);
  CHECK(redis.find("maxmemory-policy noeviction") != std::string::npos);
}

TEST_CASE("scale-plan --emit: the Indexed Job tiles --scene; one Secret logs the workers and KEDA in to Redis") {
  test::ScratchDir dir;
  test::write_text(dir / "stats.json", kStats);
  auto r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "all", "-o", dir / "k8s", "--scene",
                        "/data/scenes/a.tif", "--redis-in-cluster", "redis://redis.swath.svc:6379",
                        "--redis-password-secret", "swath-redis", "--image", "swath:0.1.0", "--image-digest", kDigest});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string indexed = core::read_file(dir / "k8s/indexed-job.yaml");
  CHECK(indexed.find("- tile\n            - /data/scenes/a.tif\n") != std::string::npos);
  CHECK(indexed.find("/data/scene.tif") == std::string::npos);
  CHECK(indexed.find("SWATH_REDIS_PASSWORD") == std::string::npos);  // static shards need no Redis
  for (const char* name : {"worker-job.yaml", "worker-deployment.yaml", "scaledjob.yaml"}) {
    CAPTURE(name);
    const std::string text = core::read_file(dir / "k8s/" + name);
    CHECK(text.find("- name: SWATH_REDIS_PASSWORD\n") != std::string::npos);
    CHECK(text.find("secretKeyRef:\n") != std::string::npos);
    CHECK(text.find("\"redis://redis.swath.svc:6379\"") != std::string::npos);
    CHECK(text.find("image: \"swath@" + kDigest + "\"") != std::string::npos);
  }
  for (const char* name : {"scaledobject.yaml", "scaledjob.yaml"}) {
    CAPTURE(name);
    const std::string text = core::read_file(dir / "k8s/" + name);
    CHECK(text.find("address: \"redis.swath.svc:6379\"") != std::string::npos);
    CHECK(text.find("authenticationRef:\n") != std::string::npos);
    CHECK(text.find("databaseIndex") == std::string::npos);  // database 0: KEDA's default
  }
  // The workers' database: KEDA would otherwise watch database 0's (empty) list and never scale.
  r = test::swath({"scale-plan", "--stats", dir / "stats.json", "--emit", "keda", "-o", dir / "db3",
                   "--redis-in-cluster", "redis://redis.swath.svc:6379/3"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const char* name : {"scaledobject.yaml", "scaledjob.yaml"}) {
    CAPTURE(name);
    const std::string text = core::read_file(dir / "db3/" + name);
    CHECK(text.find("databaseIndex: \"3\"\n") != std::string::npos);
  }
  CHECK(core::read_file(dir / "db3/scaledjob.yaml").find("\"redis://redis.swath.svc:6379/3\"") != std::string::npos);
  const std::string auth = core::read_file(dir / "k8s/triggerauthentication.yaml");
  CHECK(auth.find("kind: TriggerAuthentication") != std::string::npos);
  CHECK(auth.find("parameter: password") != std::string::npos);
  const auto v =
      validate({dir / "k8s/indexed-job.yaml", dir / "k8s/worker-job.yaml", dir / "k8s/worker-deployment.yaml",
                dir / "k8s/scaledobject.yaml", dir / "k8s/scaledjob.yaml", dir / "k8s/triggerauthentication.yaml"});
  CHECK_MESSAGE(v.exit_code == 0, v.out);
  CHECK(v.out.find("6 valid, 0 invalid") != std::string::npos);

  for (const std::string scene : {"scenes/a.tif", "/data/../a.tif", "/data/*.tif", "/data/scenes/"}) {
    CAPTURE(scene);
    r = test::swath(
        {"scale-plan", "--stats", dir / "stats.json", "--emit", "indexed-job", "-o", dir / "bad", "--scene", scene});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--scene '" + scene + "': not an absolute, normal path of one file") != std::string::npos);
  }
  // What Kubernetes would refuse on apply, or the emitted workers at start (exit 2), is refused here.
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused{
      {{"--namespace", "Bad_NS"}, "--namespace 'Bad_NS': Kubernetes refuses it"},
      {{"--name", "UPPER"}, "--name 'UPPER': Kubernetes refuses it"},
      {{"--name", std::string(60, 'a')}, "at most 51 characters"},
      {{"--queue", "bad q"}, "bad queue name 'bad q'"}};
  for (const auto& [flags, message] : refused) {
    CAPTURE(flags[0]);
    std::vector<std::string> args{"scale-plan", "--stats", dir / "stats.json", "--emit", "all", "-o", dir / "bad"};
    args.insert(args.end(), flags.begin(), flags.end());
    r = test::swath(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(message) != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dir / "bad"));
}
