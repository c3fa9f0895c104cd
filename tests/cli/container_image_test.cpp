// The container image, checked offline (no container engine here): the Dockerfile pins its base by digest,
// installs exactly the lock's packages and versions per stage, runs non-root with SOURCE_DATE_EPOCH, and the
// version check it runs passes for a swath built against the locked libraries and fails for a wrong lock.
#include <doctest/doctest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/files.hpp"
#include "support/process.hpp"
#include "support/scratch.hpp"

using namespace swath;

namespace {

const std::string kRoot = SWATH_SOURCE_DIR;

struct LockEntry {
  std::string role, version;
};

std::map<std::string, LockEntry> read_lock(std::map<std::string, std::string>& header) {
  std::map<std::string, LockEntry> entries;
  std::istringstream in(core::read_file(kRoot + "/packaging/apt-lock.txt"));
  std::string line;
  static const std::regex entry(R"(^(build|dev|runtime) ([a-z0-9][a-z0-9+.-]+)=([0-9A-Za-z.+~:-]+)$)");
  static const std::regex meta(R"(^# (snapshot|source_date_epoch) (\S+)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, meta)) header[m[1]] = m[2];
    if (line.empty() || line[0] == '#') continue;
    CAPTURE(line);
    REQUIRE(std::regex_match(line, m, entry));
    entries[m[2]] = {m[1], m[3]};
  }
  return entries;
}

std::vector<std::string> listed_packages() {
  std::vector<std::string> out;
  std::istringstream in(core::read_file(kRoot + "/packaging/apt-packages.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line.substr(0, line.find_first_of(" =")));
  }
  return out;
}

}  // namespace

TEST_CASE("image: base pinned by digest, SOURCE_DATE_EPOCH from the lock, non-root user") {
  const std::string dockerfile = core::read_file(kRoot + "/Dockerfile");
  std::map<std::string, std::string> header;
  read_lock(header);
  CHECK(std::regex_search(dockerfile, std::regex(R"(\nARG DEBIAN_IMAGE=debian:bookworm@sha256:[0-9a-f]{64}\n)")));
  CHECK(std::regex_search(dockerfile, std::regex(R"(\nFROM \$\{DEBIAN_IMAGE\} AS build\n)")));
  CHECK(std::regex_search(dockerfile, std::regex(R"(\nFROM \$\{DEBIAN_IMAGE\} AS runtime\n)")));
  CHECK(dockerfile.find("\nFROM debian") == std::string::npos);  // no unpinned base anywhere
  REQUIRE(header.count("source_date_epoch") == 1);
  CHECK(dockerfile.find("\nARG SOURCE_DATE_EPOCH=" + header["source_date_epoch"] + "\n") != std::string::npos);
  const auto date = test::run({"date", "-u", "-d", "@" + header["source_date_epoch"], "+%Y%m%dT000000Z"});
  CHECK(date.out == header["snapshot"] + "\n");
  CHECK(std::regex_search(dockerfile, std::regex(R"(\nUSER 10001:10001\n)")));
  CHECK(dockerfile.find("useradd --uid 10001") != std::string::npos);
}

TEST_CASE("image: each stage installs exactly the lock's packages of its role, at the locked versions") {
  const std::string dockerfile = core::read_file(kRoot + "/Dockerfile");
  CHECK(dockerfile.find("RUN /tmp/packaging/docker-apt.sh build\n") != std::string::npos);
  CHECK(dockerfile.find("RUN /tmp/packaging/docker-apt.sh runtime\n") != std::string::npos);
  CHECK(dockerfile.find("apt-get install") == std::string::npos);  // nothing installed around the lock
  std::map<std::string, std::string> header;
  const auto lock = read_lock(header);
  for (const std::string role : {"build", "runtime"}) {
    CAPTURE(role);
    const auto r = test::run({kRoot + "/packaging/docker-apt.sh", role, "--print"},
                             {.env = {{"APT_LOCK", kRoot + "/packaging/apt-lock.txt"}}});
    REQUIRE(r.exit_code == 0);
    std::set<std::string> installed;
    std::istringstream words(r.out.substr(r.out.find("--no-install-recommends") + 23));
    for (std::string w; words >> w;) installed.insert(w);
    std::set<std::string> expected;
    for (const auto& [name, e] : lock) {
      if (e.role == role) expected.insert(name + "=" + e.version);
    }
    CHECK(!expected.empty());
    CHECK(installed == expected);
  }
  const auto runtime = test::run({kRoot + "/packaging/docker-apt.sh", "runtime", "--print"},
                                 {.env = {{"APT_LOCK", kRoot + "/packaging/apt-lock.txt"}}});
  CHECK(runtime.out.find("libgdal32=") != std::string::npos);
  CHECK(runtime.out.find("redis-server") == std::string::npos);  // test tools stay out of the image
}

// Versions installed here may drift from the lock when Debian publishes a point release (the live mirror keeps
// only the newest): that is reported, not failed, so CI on a fresh machine does not break on a security update.
// Which packages are locked is checked strictly.
TEST_CASE("lock: every package setup installs is locked (versions installed here are compared and reported)") {
  std::map<std::string, std::string> header;
  const auto lock = read_lock(header);
  for (const auto& pkg : listed_packages()) {
    CAPTURE(pkg);
    const auto found = lock.find(pkg);
    CHECK_MESSAGE(found != lock.end(), pkg << " is in apt-packages.txt but not in apt-lock.txt: run scripts/apt-lock.sh");
    if (found != lock.end()) CHECK(found->second.role != "runtime");
  }
  for (const auto& [name, e] : lock) {
    CAPTURE(name);
    const auto r = test::run({"dpkg-query", "-W", "-f=${Version}", name});
    if (r.out != e.version) MESSAGE(name << ": installed " << r.out << ", locked " << e.version << " (scripts/apt-lock.sh updates the lock)");
  }
}

TEST_CASE("lock: it covers every package this swath binary loads") {
  // Regenerates a lock from this machine and the binary under test: every entry must be in the committed lock.
  // Catches a run-time library the binary gained (a module linking more of OpenCV, say) without a new lock.
  test::ScratchDir dir;
  const auto r = test::run({kRoot + "/scripts/apt-lock.sh", dir / "lock.txt", SWATH_BINARY});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto without_version = [](const std::string& line) { return line.substr(0, line.find('=')); };
  std::set<std::string> committed, generated;
  for (const auto& line : test::lines(core::read_file(kRoot + "/packaging/apt-lock.txt"))) committed.insert(without_version(line));
  for (const auto& line : test::lines(core::read_file(dir / "lock.txt"))) generated.insert(without_version(line));
  CHECK(generated.size() > 10);
  for (const auto& line : generated) {
    CAPTURE(line);
    CHECK_MESSAGE(committed.count(line) == 1, "packaging/apt-lock.txt lacks a package: run scripts/apt-lock.sh");
  }
}

TEST_CASE("image: the version check passes for swath built here and fails for a lock with other versions") {
  test::ScratchDir dir;
  const auto version = test::swath({"version", "--json"});
  REQUIRE(version.exit_code == 0);
  test::write_text(dir / "version.json", version.out);
  auto r = test::run({kRoot + "/packaging/check-image-versions.sh", kRoot + "/packaging/apt-lock.txt", dir / "version.json"});
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  CHECK(r.out.find("ok gdal: swath reports 3.6") != std::string::npos);
  std::string lock = core::read_file(kRoot + "/packaging/apt-lock.txt");
  const auto at = lock.find("runtime libgdal32=");
  REQUIRE(at != std::string::npos);
  lock.replace(at, lock.find('\n', at) - at, "runtime libgdal32=3.8.4+dfsg-1");
  test::write_text(dir / "other-lock.txt", lock);
  r = test::run({kRoot + "/packaging/check-image-versions.sh", dir / "other-lock.txt", dir / "version.json"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("MISMATCH gdal: swath reports '3.6.2', lock has libgdal32=3.8.4+dfsg-1") != std::string::npos);
}
