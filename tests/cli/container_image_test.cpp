// The lock and the image scripts, checked without a container engine: the lock's sections agree with each other,
// cover every package setup installs and this swath loads; the image is assembled without RUN steps, non-root;
// `make image` without an engine names what to install; the version check passes here and fails for a wrong
// lock. The image itself is tested in tests/container (issue 12).
#include <doctest/doctest.h>

#include <filesystem>
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

// role → package → version
using Lock = std::map<std::string, std::map<std::string, std::string>>;

Lock read_lock(std::map<std::string, std::string>& header) {
  Lock lock;
  std::istringstream in(core::read_file(kRoot + "/packaging/apt-lock.txt"));
  std::string line;
  static const std::regex entry(
      R"(^(build|dev|runtime|build-root|runtime-root) ([a-z0-9][a-z0-9+.-]+)=([0-9A-Za-z.+~:-]+)$)");
  static const std::regex meta(R"(^# (snapshot|source_date_epoch) (\S+)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, meta)) header[m[1]] = m[2];
    if (line.empty() || line[0] == '#') continue;
    CAPTURE(line);
    REQUIRE(std::regex_match(line, m, entry));
    CHECK(lock[m[1]].count(m[2]) == 0);
    lock[m[1]][m[2]] = m[3];
  }
  return lock;
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

TEST_CASE("lock: each root holds its role's packages at the same versions; SOURCE_DATE_EPOCH is the snapshot's date") {
  std::map<std::string, std::string> header;
  const auto lock = read_lock(header);
  for (const std::string role : {"build", "runtime"}) {
    CAPTURE(role);
    const auto& root = lock.at(role + "-root");
    CHECK(root.size() > lock.at(role).size() + 20);  // the dependencies too, not only the names setup installs
    for (const auto& [name, version] : lock.at(role)) {
      CAPTURE(name);
      REQUIRE(root.count(name) == 1);
      CHECK(root.at(name) == version);
    }
    for (const char* essential : {"libc6", "dpkg", "base-files", "bash"}) CHECK(root.count(essential) == 1);
  }
  for (const auto& [name, version] : lock.at("runtime-root")) {
    CAPTURE(name);
    CHECK(name.find("-dev") == std::string::npos);
    for (const char* tool : {"apt", "gcc", "gcc-12", "g++", "g++-12", "cpp", "cpp-12", "binutils", "make", "cmake"}) {
      CHECK(name != tool);
    }
  }
  CHECK(lock.at("build-root").count("g++") == 1);
  REQUIRE(header.count("source_date_epoch") == 1);
  const auto date = test::run({"date", "-u", "-d", "@" + header["source_date_epoch"], "+%Y%m%dT000000Z"});
  CHECK(date.out == header["snapshot"] + "\n");
}

// Versions installed here may differ from the lock (this machine's packages come from the archive of its own
// day): that is reported, not failed. Which packages are locked is checked strictly.
TEST_CASE("lock: every package setup installs is locked (versions installed here are compared and reported)") {
  std::map<std::string, std::string> header;
  const auto lock = read_lock(header);
  std::map<std::string, std::string> direct;
  for (const std::string role : {"build", "dev", "runtime"}) {
    for (const auto& [name, version] : lock.at(role)) direct[name] = version;
  }
  for (const auto& pkg : listed_packages()) {
    CAPTURE(pkg);
    CHECK_MESSAGE(direct.count(pkg) == 1,
                  pkg << " is in apt-packages.txt but not in apt-lock.txt: run scripts/apt-lock.sh");
    CHECK(lock.at("runtime").count(pkg) == 0);
  }
  for (const auto& [name, version] : direct) {
    const auto r = test::run({"dpkg-query", "-W", "-f=${Version}", name});
    if (r.out != version) MESSAGE(name << ": installed " << r.out << ", locked " << version);
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
  for (const auto& line : test::lines(core::read_file(kRoot + "/packaging/apt-lock.txt")))
    committed.insert(without_version(line));
  for (const auto& line : test::lines(core::read_file(dir / "lock.txt"))) generated.insert(without_version(line));
  CHECK(generated.size() > 10);
  for (const auto& line : generated) {
    CAPTURE(line);
    CHECK_MESSAGE(committed.count(line) == 1, "packaging/apt-lock.txt lacks a package: run scripts/apt-lock.sh");
  }
}

TEST_CASE("image: assembled from tars without RUN steps, non-root, swath as PID 1; no Dockerfile around it") {
  const std::string file = core::read_file(kRoot + "/packaging/image/Containerfile");
  CHECK(file.find("\nFROM scratch\n") != std::string::npos);
  CHECK(file.find("\nADD runtime-root.tar /\n") != std::string::npos);
  CHECK(file.find("\nADD swath.tar /\n") != std::string::npos);
  CHECK(file.find("\nRUN ") == std::string::npos);  // a RUN step's layer could hold logs, caches or times
  CHECK(file.find("\nUSER 10001:10001\n") != std::string::npos);
  CHECK(file.find("\nENTRYPOINT [\"/usr/local/bin/swath\"]\n") != std::string::npos);  // exec form: swath is PID 1
  CHECK_FALSE(std::filesystem::exists(kRoot + "/Dockerfile"));
}

TEST_CASE("make image without a container engine names what to install and fails") {
  const auto r = test::run({kRoot + "/packaging/image/build.sh"}, {.env = {{"SWATH_IMAGE_ENGINES", "no-such-engine"}}});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("swath image: no container engine: neither podman nor a running docker daemon was found") !=
        std::string::npos);
  CHECK(r.err.find("apt-get install podman runc mmdebstrap") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("image: the version check passes for swath built here and fails for a lock with other versions (PROJ too)") {
  test::ScratchDir dir;
  const auto version = test::swath({"version", "--json"});
  REQUIRE(version.exit_code == 0);
  test::write_text(dir / "version.json", version.out);
  auto r = test::run(
      {kRoot + "/packaging/check-image-versions.sh", kRoot + "/packaging/apt-lock.txt", dir / "version.json"});
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
  // PROJ, which swath loads through GDAL, is checked against the runtime root's entry.
  CHECK(core::read_file(dir / "version.json").find("\"proj\":{") != std::string::npos);
  lock = core::read_file(kRoot + "/packaging/apt-lock.txt");
  const auto proj = lock.find("\nruntime-root libproj25=");
  REQUIRE(proj != std::string::npos);
  lock.replace(proj + 1, lock.find('\n', proj + 1) - proj - 1, "runtime-root libproj25=9.2.0-1");
  test::write_text(dir / "other-lock.txt", lock);
  r = test::run({kRoot + "/packaging/check-image-versions.sh", dir / "other-lock.txt", dir / "version.json"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("MISMATCH proj: swath reports '9.1.1', lock has libproj25=9.2.0-1") != std::string::npos);
}
