// The image as built: exactly the lock's packages (dpkg-query inside), the library versions swath loads there,
// nothing of a build (compiler, -dev packages, apt lists, docs), uid 10001, a read-only root (issue 12).
#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "container/container_support.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::container;
namespace fs = std::filesystem;

namespace {

std::set<std::string> locked(const std::string& role) {
  std::set<std::string> out;
  for (const auto& line : test::lines(core::read_file(kRoot + "/packaging/apt-lock.txt"))) {
    if (line.rfind(role + " ", 0) == 0) out.insert(line.substr(role.size() + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("image: dpkg-query inside lists exactly the lock's runtime-root packages and versions") {
  const auto r =
      run_in_image({"--network", "none", "--entrypoint", "dpkg-query"}, {"-W", "-f=${Package}=${Version}\\n"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const auto lines = test::lines(r.out);
  const std::set<std::string> inside(lines.begin(), lines.end());
  const auto lock = locked("runtime-root");
  CHECK(lock.size() > 100);
  for (const auto& p : lock) CHECK_MESSAGE(inside.count(p) == 1, p << " is locked but not in the image");
  for (const auto& p : inside) CHECK_MESSAGE(lock.count(p) == 1, p << " is in the image but not in the lock");
  for (const auto& p : inside) {
    CAPTURE(p);
    const std::string name = p.substr(0, p.find('='));
    CHECK(name.find("-dev") == std::string::npos);
    for (const char* tool : {"apt", "gcc", "gcc-12", "g++", "g++-12", "cpp", "cpp-12", "binutils", "make", "cmake"}) {
      CHECK(name != tool);
    }
  }
  // Every direct runtime package of the lock is in its root at the same version.
  for (const auto& p : locked("runtime"))
    CHECK_MESSAGE(lock.count(p) == 1, p << " differs from its runtime-root entry");
}

TEST_CASE("image: swath inside reports the lock's library versions; uid 10001; no compiler, apt lists or docs") {
  test::ScratchDir dir;
  const auto version = run_in_image({"--network", "none"}, {"version", "--json"});
  REQUIRE_MESSAGE(version.exit_code == 0, version.err);
  test::write_text(dir / "version.json", version.out);
  const auto check = test::run(
      {kRoot + "/packaging/check-image-versions.sh", kRoot + "/packaging/apt-lock.txt", dir / "version.json"});
  CHECK_MESSAGE(check.exit_code == 0, check.out << check.err);
  const auto host = test::swath({"version", "--json"});
  CHECK(version.out == host.out);  // the same binary, the same library versions loaded, in the image and here

  const auto id = run_in_image({"--network", "none", "--entrypoint", "id"}, {});
  CHECK(id.out == "uid=10001(swath) gid=10001(swath) groups=10001(swath)\n");
  const auto look = run_in_image(
      {"--network", "none", "--entrypoint", "sh"},
      {"-c",
       "ls /usr/bin/*gcc* /usr/bin/*g++* /usr/bin/cc /usr/bin/ld /var/lib/apt /var/cache/apt /etc/apt 2>/dev/null; "
       "find /usr/include /usr/share/man /usr/share/info -type f; find /usr/share/doc -type f ! -name copyright; echo end"});
  CHECK(look.out == "end\n");
  const auto files =
      run_in_image({"--network", "none", "--entrypoint", "sh"},
                   {"-c", "ls /etc/swath; ls /usr/share/swath/models; test -d /data -a -O /data && echo data-owned"});
  CHECK(files.out == "fleet.yaml\nscaling.yaml\nswath.yaml\nvehicles.onnx\nvehicles.yaml\ndata-owned\n");
}

TEST_CASE(
    "image: with a read-only root, a writable /tmp and an output volume, tile and detect write what the host build writes") {
  test::ScratchDir dir;
  REQUIRE(test::swath({"synth", "-o", dir / "sea.tif", "--seed", "3", "--size", "512x512"}).exit_code == 0);
  REQUIRE(test::run({"chmod", "-R", "a+rwX", dir.path()}).exit_code == 0);
  const std::string trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  const std::vector<std::string> tile{"tile", dir / "sea.tif", "-o", dir / "out", "--size", "128", "-q"};
  const std::vector<std::string> detect{"detect", dir / "sea.tif",        "--detector", "cfar",
                                        "-o",     dir / "out/ships.gpkg", "-q"};
  // The same commands, writing to the same paths: first in the image, then here.
  const std::vector<std::string> flags{"--read-only", "-v", dir.path() + ":" + dir.path(), "-e",
                                       "TRACEPARENT=" + trace};
  for (const auto& args : {tile, detect}) {
    const auto r = run_in_image(flags, args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  fs::rename(dir / "out", dir / "in-image");
  for (const auto& args : {tile, detect}) REQUIRE(test::swath(args, {.env = {{"TRACEPARENT", trace}}}).exit_code == 0);
  const auto listing = [&](const std::string& sub) {
    return test::run({"sh", "-c", "cd '" + dir / sub + "' && find . -type f | sort | xargs sha256sum"}).out;
  };
  CHECK(listing("in-image").size() > 1000);
  CHECK(listing("in-image") == listing("out"));
  // Nothing of the root can be written to.
  const auto r = run_in_image({"--read-only", "--entrypoint", "sh"},
                              {"-c", "touch /etc/x 2>/dev/null && echo wrote || echo refused"});
  CHECK(r.out == "refused\n");
}
