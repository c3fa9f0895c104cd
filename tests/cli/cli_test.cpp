// End to end: the built swath binary, its exit codes, messages and JSON output.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>
#include <tuple>

#include "core/files.hpp"
#include "core/json.hpp"
#include "support/process.hpp"
#include "support/rasters.hpp"
#include "support/scratch.hpp"

using namespace swath;
namespace fs = std::filesystem;

TEST_CASE("cli: version --json reports real versions of swath and every dependency") {
  const auto r = test::swath({"version", "--json"});
  REQUIRE(r.exit_code == 0);
  const auto json = core::Json::parse(r.out);
  CHECK(json.at("schema").as_string() == "swath.version/1");  // as every --json document has
  CHECK(json.at("swath").as_string() == "0.1.0");
  CHECK_FALSE(json.at("git_describe").as_string().empty());
  const auto& deps = json.at("dependencies");
  for (const char* name : {"gdal", "proj", "tbb", "spdlog", "fmt", "yaml-cpp", "hiredis", "opencv"}) {
    CAPTURE(name);
    CHECK_FALSE(deps.at(name).at("build").as_string().empty());
    CHECK_FALSE(deps.at(name).at("runtime").as_string().empty());
  }
  CHECK(deps.at("gdal").at("runtime").as_string().rfind("3.6", 0) == 0);
}

TEST_CASE("cli: --version and version print the same text") {
  const auto a = test::swath({"--version"});
  const auto b = test::swath({"version"});
  CHECK(a.exit_code == 0);
  CHECK(a.out == b.out);
  CHECK(a.out.rfind("swath 0.1.0", 0) == 0);
}

TEST_CASE("cli: --help lists commands and the exit codes") {
  const auto r = test::swath({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("version") != std::string::npos);
  CHECK(r.out.find("130  interrupted") != std::string::npos);
}

TEST_CASE("cli: unknown command exits 2 with a suggestion") {
  const auto r = test::swath({"versoin"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "swath: unknown command 'versoin' (hint: did you mean 'version'? swath --help lists the commands)\n");
  CHECK(r.out.empty());
}

TEST_CASE("cli: a command's missing or mistyped own command is named, with the choices") {
  auto r = test::swath({"queue", "stat"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "swath queue: unknown command 'stat' (hint: did you mean 'stats'? one of stats, jobs, job, migrate, "
        "dead; `swath queue --help` says what each does)\n");
  r = test::swath({"queue", "dead", "bogus"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown command 'bogus' (hint: one of list, retry, purge; `swath queue dead --help`") !=
        std::string::npos);
  r = test::swath({"queue"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("swath queue: a command is needed (hint: one of stats,") == 0);
  r = test::swath({"queue", "stat", "--redis", "redis://127.0.0.1:1/0", "--queue", "q"});  // its flags after it
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("swath queue: unknown command 'stat' (hint: did you mean 'stats'?") == 0);
  r = test::swath({"queue", "--queue", "q", "bogus"});  // flags first: "q" may be a value, so no guess
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("swath queue: a command is needed") == 0);
}

TEST_CASE("cli: unknown flag exits 2, not CLI11's 109") {
  const auto r = test::swath({"version", "--jsn"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("swath version: ", 0) == 0);
  CHECK(r.err.find("--jsn") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("cli: a flag value CLI11 cannot convert, or a flag without its value, is said in swath's words") {
  auto r = test::swath({"eval", "a.geojson", "b.geojson", "--iou", "abc"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("swath eval: --iou 'abc': not a number (hint:") != std::string::npos, r.err);
  r = test::swath({"detect", "a.tif", "-o", "a.geojson", "--quicklook"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("swath detect: --quicklook: needs a value") != std::string::npos, r.err);
}

TEST_CASE("cli: with --json a failure is a swath.error/1 document on stdout too, unless the command printed its own") {
  test::ScratchDir dir;
  // An I/O error after parsing (was: nothing on stdout, a CI step parsing it failed on empty input).
  auto r = test::swath({"tile", dir / "missing.tif", "-o", dir / "out", "--json"});
  CHECK(r.exit_code == 1);
  auto json = core::Json::parse(r.out);
  CHECK(json.at("schema").as_string() == "swath.error/1");
  CHECK(json.at("command").as_string() == "tile");
  CHECK(json.at("exit_code").as_int() == 1);
  CHECK(json.at("kind").as_string() == "io");
  CHECK(json.at("subject").as_string() == "cannot open '" + dir / "missing.tif" + "'");
  CHECK(r.err.find("swath tile: " + json.at("message").as_string()) != std::string::npos);  // the same words
  // A usage error at parsing, after --json was read.
  r = test::swath({"detect", "--json", dir / "missing.tif", "-o", dir / "d.gpkg", "--window", "3"});
  CHECK(r.exit_code == 2);
  json = core::Json::parse(r.out);
  CHECK(json.at("kind").as_string() == "usage");
  CHECK(json.at("exit_code").as_int() == 2);
  // --json of a command's own command (queue stats): Redis refused at once.
  r = test::swath({"queue", "stats", "--redis", "redis://127.0.0.1:1", "--json"});
  CHECK(r.exit_code == 1);
  json = core::Json::parse(r.out);
  CHECK(json.at("command").as_string() == "queue");
  CHECK(json.at("kind").as_string() == "io");
  // --json given to a command that lacks its own command (was: nothing on stdout).
  r = test::swath({"queue", "--json"});
  CHECK(r.exit_code == 2);
  json = core::Json::parse(r.out);
  CHECK(json.at("command").as_string() == "queue");
  CHECK(json.at("subject").as_string() == "a command is needed");
  // A flag's error splits into subject and why, as every other error does (was: all in the subject, why empty).
  for (const auto& [args, subject, why] : std::vector<std::tuple<std::vector<std::string>, std::string, std::string>>{
           {{"tile", "x.tif", "-o", dir / "o", "--frobnicate", "--json"},
            "--frobnicate",
            "not a flag or argument of this command"},
           {{"eval", "d.gpkg", "t.geojson", "--iou", "0", "--json"}, "--iou", "'0' must be a number from 0.01 to 1"},
           {{"eval", "d.gpkg", "--json"}, "truth", "required, and not given"},
           {{"tile", "x.tif", "--json", "-o"}, "--output", "needs a value"}}) {
    r = test::swath(args);
    CHECK(r.exit_code == 2);
    json = core::Json::parse(r.out);
    CHECK(json.at("subject").as_string() == subject);
    CHECK(json.at("why").as_string() == why);
    CHECK(json.at("hint").as_string() == "add --help to see the flags");
  }
  r = test::swath({"queue", "--", "--json"});  // after "--" it is no flag
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  // Without --json stdout stays empty.
  r = test::swath({"tile", dir / "missing.tif", "-o", dir / "out"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
}

TEST_CASE("cli: --config '' is refused, not a run on defaults") {
  const auto r = test::swath({"--config", "", "config", "show"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("'' names no file") != std::string::npos, r.err);
}

TEST_CASE("cli: no command exits 2") {
  const auto r = test::swath({});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no command given") != std::string::npos);
}

TEST_CASE("cli: -o naming a FIFO or device is refused at parsing (it was renamed over: -o /dev/null became a file)") {
  test::ScratchDir dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"config", "show", "-o", dir / "fifo"},
        std::vector<std::string>{"synth", "--size", "64x64", "-o", dir / "fifo.tif"},
        std::vector<std::string>{"detect", dir / "missing.tif", "-o", dir / "fifo.gpkg"}}) {
    const std::string fifo = args[args.size() - 1];
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    const auto r = test::swath(args);
    CHECK(r.exit_code == 2);
    const bool named = r.err.find("'" + fifo + "' is a FIFO, not a regular file") != std::string::npos ||
                       r.err.find("cannot write '" + fifo + "': it is a FIFO") != std::string::npos;
    CHECK_MESSAGE(named, r.err);
    struct stat entry {};
    REQUIRE(::lstat(fifo.c_str(), &entry) == 0);
    CHECK(S_ISFIFO(entry.st_mode));
  }
}

TEST_CASE("cli: config show reports each layer's source") {
  test::ScratchDir dir;
  test::write_text(dir / "c.yaml", "log:\n  level: warn\ngdal:\n  cache_mb: 10\nrun:\n  threads: 2\n");
  const auto r = test::swath({"--config", dir / "c.yaml", "--log-level", "error", "config", "show", "--json"},
                             {.env = {{"SWATH_GDAL__CACHE_MB", "20"}}});
  REQUIRE(r.exit_code == 0);
  const auto json = core::Json::parse(r.out);
  CHECK(json.at("log.level").at("value").as_string() == "error");
  CHECK(json.at("log.level").at("source").as_string() == "flag --log-level");
  CHECK(json.at("gdal.cache_mb").at("value").as_int() == 20);
  CHECK(json.at("gdal.cache_mb").at("source").as_string() == "env SWATH_GDAL__CACHE_MB");
  CHECK(json.at("run.threads").at("source").as_string() == "file " + (dir / "c.yaml") + ":6");
  CHECK(json.at("log.format").at("source").as_string() == "default");
}

TEST_CASE("cli: config show never prints a Redis password, in text or JSON") {
  for (const std::string url : {"redis://alice:Al1cePw@h:6493/0", "redis://Al1cePw@h"}) {
    CAPTURE(url);
    const auto text = test::swath({"config", "show"}, {.env = {{"SWATH_QUEUE__REDIS", url}}});
    const auto json = test::swath({"config", "show", "--json"}, {.env = {{"SWATH_QUEUE__REDIS", url}}});
    REQUIRE(text.exit_code == 0);
    REQUIRE(json.exit_code == 0);
    CHECK(text.out.find("Al1cePw") == std::string::npos);
    CHECK(json.out.find("Al1cePw") == std::string::npos);
    CHECK(text.out.find("***@h") != std::string::npos);
    CHECK(core::Json::parse(json.out).at("queue.redis").at("value").as_string().find("***@h") != std::string::npos);
  }
}

TEST_CASE("cli: SWATH_CONFIG names the config file") {
  test::ScratchDir dir;
  test::write_text(dir / "c.yaml", "run:\n  threads: 7\n");
  const auto r = test::swath({"config", "show", "--json"}, {.env = {{"SWATH_CONFIG", dir / "c.yaml"}}});
  REQUIRE(r.exit_code == 0);
  CHECK(core::Json::parse(r.out).at("run.threads").at("value").as_int() == 7);
}

TEST_CASE("cli: --config or SWATH_CONFIG naming a directory or a missing file exits 2, never runs on defaults") {
  test::ScratchDir dir;
  fs::create_directories(dir / "configs");
  auto r = test::swath({"--config", dir / "configs", "config", "show"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "swath config: config file '" + dir / "configs" +
                     "': it is a directory (hint: give a YAML file, e.g. configs/swath.yaml)\n");
  r = test::swath({"config", "show"}, {.env = {{"SWATH_CONFIG", dir / "missing.yaml"}}});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "swath config: config file '" + dir / "missing.yaml" +
                     "': no such file (hint: check the path given by --config or SWATH_CONFIG)\n");
}

TEST_CASE("cli: config show refuses a value the commands would refuse, naming where it was set") {
  test::ScratchDir dir;
  test::write_text(dir / "c.yaml", "tile:\n  format: tiff\n");
  auto r = test::swath({"--config", dir / "c.yaml", "config", "show"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find(dir / "c.yaml" + ":2: unknown format 'tiff'") != std::string::npos);
  r = test::swath({"config", "show"}, {.env = {{"SWATH_TILE__SHARD", "5/2"}}});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("SWATH_TILE__SHARD") != std::string::npos);
  CHECK(r.err.find("'5/2'") != std::string::npos);
}

TEST_CASE("cli: malformed YAML, wrong type and unknown key exit 2 and write nothing") {
  test::ScratchDir dir;
  const auto out = dir / "shown.txt";
  struct Case {
    const char* yaml;
    const char* expected;
  };
  const Case cases[] = {
      {"log:\n  level: info\n   bad: [\n", "malformed YAML"},
      {"gdal:\n  cache_mb: many\n", "c.yaml:2: key 'gdal.cache_mb': 'many' is not an integer"},
      {"gdal:\n  cach_mb: 4\n", "c.yaml:2: unknown key 'gdal.cach_mb' (hint: did you mean 'gdal.cache_mb'?"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    test::write_text(dir / "c.yaml", c.yaml);
    const auto r = test::swath({"--config", dir / "c.yaml", "config", "show", "-o", out});
    CHECK(r.exit_code == 2);
    CHECK(r.err.rfind("swath config: ", 0) == 0);
    CHECK(r.err.find(c.expected) != std::string::npos);
    CHECK(r.out.empty());
    CHECK_FALSE(fs::exists(out));
  }
}

TEST_CASE("cli: bad environment value exits 2 naming the variable") {
  const auto r = test::swath({"config", "show"}, {.env = {{"SWATH_GDAL__CACHE_MB", "-5"}}});
  CHECK(r.exit_code == 2);
  CHECK(
      r.err ==
      "swath config: env SWATH_GDAL__CACHE_MB: key 'gdal.cache_mb': '-5' is out of range (hint: expected an integer from 1 to 65536)\n");
}

TEST_CASE("cli: a value refused with another key's names where it was set, not a flag the user did not give") {
  test::ScratchDir dir;
  const auto scene = test::make_scene(dir / "s.tif", {.width = 64, .height = 64});
  auto r = test::swath({"detect", scene, "-o", dir / "d.gpkg"}, {.env = {{"SWATH_DETECT__OVERLAP", "600"}}});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("swath detect: env SWATH_DETECT__OVERLAP: overlap 600: it must be at least 0 and less "
                           "than the window") != std::string::npos,
                r.err);
  test::write_text(dir / "c.yaml", "detect:\n  overlap: 700\n");
  r = test::swath({"--config", dir / "c.yaml", "detect", scene, "-o", dir / "d.gpkg"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("c.yaml:2: overlap 700: it must be") != std::string::npos, r.err);
  r = test::swath({"--config", dir / "c.yaml", "detect", scene, "-o", dir / "d.gpkg", "--overlap", "800"});
  CHECK_MESSAGE(r.err.find("swath detect: --overlap 800: it must be") != std::string::npos, r.err);
}

TEST_CASE("cli: malformed traceparent exits 2 and is never half-used") {
  const auto r = test::swath({"--traceparent", "00-xyz-01", "version"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("malformed traceparent '00-xyz-01'") != std::string::npos);
  CHECK(r.out.empty());
  const auto from_env = test::swath({"version"}, {.env = {{"TRACEPARENT", "garbage"}}});
  CHECK(from_env.exit_code == 2);
  CHECK(from_env.err.find("TRACEPARENT: malformed traceparent 'garbage'") != std::string::npos);
}

TEST_CASE("cli: JSON log lines carry the caller's trace id") {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const auto r =
      test::swath({"--traceparent", "00-" + trace + "-00f067aa0ba902b7-01", "-v", "--log-format", "json", "version"});
  REQUIRE(r.exit_code == 0);
  const auto lines = test::lines(r.err);
  REQUIRE_FALSE(lines.empty());
  for (const auto& line : lines) {
    const auto json = core::Json::parse(line);
    CHECK(json.at("trace_id").as_string() == trace);
    CHECK(json.at("span_id").as_string() != "00f067aa0ba902b7");  // our own span, a child of the caller's
  }
}

TEST_CASE("cli: the error a command ends with is the --log-file's last line, with its trace and exit code") {
  test::ScratchDir dir;
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const auto r = test::swath({"--traceparent", "00-" + trace + "-00f067aa0ba902b7-01", "--log-file", dir / "log.jsonl",
                              "tile", dir / "missing.tif", "-o", dir / "out"});
  CHECK(r.exit_code == 1);
  const auto lines = test::lines(core::read_file(dir / "log.jsonl"));
  REQUIRE_FALSE(lines.empty());
  const auto last = core::Json::parse(lines.back());  // was: only the lines before it, no word of the failure
  CHECK(last.at("severity").as_string() == "ERROR");
  CHECK(last.at("message").as_string().find("swath tile: cannot open '" + dir / "missing.tif" + "'") == 0);
  CHECK(last.at("trace_id").as_string() == trace);
  CHECK(last.at("exit_code").as_string() == "1");
  CHECK(test::lines(r.err).back().rfind("swath tile: cannot open", 0) == 0);  // stderr's own line, as ever
}

TEST_CASE("cli: unwritable output paths exit non-zero and write nothing") {
  test::ScratchDir dir;
  test::write_text(dir / "file", "x");
  const auto target = dir / "file/sub/out.json";  // a path under a regular file cannot exist
  const auto r = test::swath({"config", "show", "-o", target});
  CHECK(r.exit_code == 2);  // refused at parsing: its directory does not exist
  CHECK_MESSAGE(
      r.err.find("'" + target + "': the directory '" + (dir / "file/sub") + "' does not exist") != std::string::npos,
      r.err);
  // Its own hint, once: not followed by the generic "(hint: add --help to see the flags)".
  CHECK_MESSAGE(
      r.err.find("does not exist (hint: give a path in a directory you may write into)\n") != std::string::npos, r.err);
  CHECK(r.err.find("add --help") == std::string::npos);
  CHECK_FALSE(fs::exists(target));

  const auto log_target = dir / "file/log.jsonl";
  const auto l = test::swath({"--log-file", log_target, "version"});
  CHECK(l.exit_code == 2);  // as -o: a path whose directory cannot hold it is a wrong flag
  CHECK_MESSAGE(
      l.err.find("--log-file '" + log_target + "': '" + (dir / "file") + "' is not a directory") != std::string::npos,
      l.err);
  CHECK(l.out.empty());

  // A directory is a usage error; a FIFO nobody reads fails at once rather than hanging before any work.
  const auto d = test::swath({"--log-file", dir.path(), "version"});
  CHECK(d.exit_code == 2);
  CHECK(d.err.find("--log-file '" + dir.path() + "': it is a directory") != std::string::npos);
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto f = test::swath({"--log-file", fifo, "version"}, {.timeout = std::chrono::seconds(20)});
  CHECK(f.exit_code == 1);
  CHECK_MESSAGE(f.err.find("it is a FIFO that nobody reads") != std::string::npos, f.err);
}

TEST_CASE("cli: -q keeps warnings, -v adds debug lines") {
  const auto quiet = test::swath({"-q", "-v", "--log-format", "json", "version"});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
  const auto verbose = test::swath({"-v", "--log-format", "text", "version"});
  CHECK(verbose.err.find(" DEBUG cli: ") != std::string::npos);
}

TEST_CASE("cli: global flags work before and after the command name") {
  test::ScratchDir dir;
  test::write_text(dir / "c.yaml", "run:\n  threads: 3\n");
  const auto after = test::swath({"config", "show", "--json", "--config", dir / "c.yaml", "--log-level", "warn"});
  REQUIRE_MESSAGE(after.exit_code == 0, after.err);
  const auto json = core::Json::parse(after.out);
  CHECK(json.at("run.threads").at("value").as_int() == 3);
  CHECK(json.at("log.level").at("source").as_string() == "flag --log-level");
  const auto unknown = test::swath({"config", "show", "--no-such-flag"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("--no-such-flag") != std::string::npos);
}

namespace {
// A TCP port that accepts connections (the kernel's backlog) and never answers: a hung HTTP server.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};
}  // namespace

TEST_CASE("cli: a second SIGINT stops a command stuck where it cannot check for cancellation") {
  test::ScratchDir dir;
  SilentServer server;
  const std::string scene = "/vsicurl/http://127.0.0.1:" + std::to_string(server.port()) + "/scene.tif";
  test::Background run({SWATH_BINARY, "-q", "tile", scene, "-o", dir / "out"}, {.unset_env = {"SWATH_CONFIG"}});
  run.wait_until_catching(SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // now waiting for the server inside GDAL
  REQUIRE(run.running());
  run.signal(SIGINT);  // asks politely: honoured at the next check, which a hung read never reaches
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  run.signal(SIGINT);  // insists
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (run.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE_FALSE(run.running());
  CHECK(run.wait().exit_code == 128 + SIGINT);
}

TEST_CASE("cli: config show says the log level -q and -v put in force, and where it came from") {
  const auto level = [](const std::vector<std::string>& args) {
    const auto r = test::swath(args);
    REQUIRE(r.exit_code == 0);
    const auto entry = core::Json::parse(r.out).at("log.level");
    return entry.at("value").as_string() + " (" + entry.at("source").as_string() + ")";
  };
  CHECK(level({"config", "show", "--json"}) == "info (default)");
  CHECK(level({"-q", "config", "show", "--json"}) == "warn (flag -q)");
  CHECK(level({"-v", "config", "show", "--json"}) == "debug (flag -v)");
  CHECK(level({"--log-level", "error", "-v", "config", "show", "--json"}) == "warn (flag -v)");
}

TEST_CASE("cli: --log-file naming a file the command reads or writes is refused before it is touched") {
  test::ScratchDir dir;
  const auto scene = dir / "scene.tif";
  REQUIRE(test::swath({"synth", "-o", scene, "--size", "256x256"}).exit_code == 0);
  const auto before = core::read_file(scene);
  auto r = test::swath({"--log-file", scene, "tile", scene, "-o", dir / "tiles"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--log-file '" + scene + "': it is also an input") != std::string::npos, r.err);
  CHECK(core::read_file(scene) == before);  // no log line appended to the scene
  test::write_text(dir / "my.yaml", "tile:\n  size: 256\n");
  r = test::swath({"--log-file", dir / "my.yaml", "--config", dir / "my.yaml", "config", "show"});
  CHECK(r.exit_code == 2);
  CHECK(core::read_file(dir / "my.yaml") == "tile:\n  size: 256\n");
  // Values that are not files are not compared: a log named like a flag's value is just a log.
  r = test::swath({"--log-file", dir / "4", "config", "show", "--json"});
  CHECK(r.exit_code == 0);
}

TEST_CASE("cli: one stop sent twice at once (timeout signals the child, then its group) is one stop: 130 and JSON") {
  test::ScratchDir dir;
  const auto scene = dir / "big.tif";
  REQUIRE(test::swath({"synth", "-o", scene, "--size", "4096x4096"}).exit_code == 0);
  test::Background run({SWATH_BINARY, "tile", scene, "-o", dir / "tiles", "--size", "128", "--threads", "1", "--json"});
  run.wait_until_catching(SIGINT);
  run.signal(SIGINT);
  run.signal(SIGINT);
  const auto r = run.wait();
  CHECK(r.exit_code == 130);
  CHECK_NOTHROW((void)core::Json::parse(r.out));
}
