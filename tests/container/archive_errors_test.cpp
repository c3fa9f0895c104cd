// `make image` when the Debian archive fails it: an archive that does not answer is a clear error within one
// timeout, not a hang; a locked version the archive no longer has is named with the command that refreshes the
// lock (issue 12).
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container/container_support.hpp"
#include "support/redis_server.hpp"
#include "support/scratch.hpp"

using namespace swath;
using namespace swath::test::container;

namespace {

// A TCP port on loopback that accepts connections and never answers: an archive that hangs.
class SilentServer {
 public:
  SilentServer() : port_(test::free_port()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
  }
  ~SilentServer() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int port_;
  int fd_ = -1;
};

// build.sh with its own empty cache, so that it must make the runtime root from the archive.
test::RunResult build_with(const test::ScratchDir& dir, std::map<std::string, std::string> env) {
  env["SWATH_IMAGE_CACHE"] = dir / "cache";
  return test::run({kRoot + "/packaging/image/build.sh", "--binary", SWATH_BINARY, "--tag", "localhost/swath:never"},
                   {.env = env, .timeout = std::chrono::seconds(900)});
}

}  // namespace

TEST_CASE("make image: an archive that does not answer is named in a clear error within the apt timeout, not a hang") {
  (void)image();  // skipped with the suite where no engine runs
  test::ScratchDir dir;
  SilentServer archive;
  const std::string mirror = "http://127.0.0.1:" + std::to_string(archive.port()) + "/debian";
  const auto r = build_with(dir, {{"SWATH_APT_MIRROR", mirror}, {"SWATH_APT_TIMEOUT", "2"}});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("swath image: cannot reach the Debian archive (" + mirror + "): " + mirror +
                           "/dists/bookworm/InRelease: curl: (28)") != std::string::npos,
                r.err);
  CHECK(r.err.find("SWATH_APT_MIRROR") != std::string::npos);
  CHECK(r.err.find("making the runtime root") == std::string::npos);  // apt was not left to wait on it
  CHECK(r.out.empty());                                               // no image id
}

TEST_CASE(
    "make image: the current archive behind a proxy that does not answer is named at once, not after apt's minutes") {
  (void)image();
  test::ScratchDir dir;
  SilentServer proxy;
  // apt and curl both take http_proxy; no snapshot probe, so that the current archive is the one looked at.
  const auto r = build_with(dir, {{"http_proxy", "http://127.0.0.1:" + std::to_string(proxy.port())},
                                  {"SWATH_APT_SNAPSHOT_URL", ""},
                                  {"SWATH_APT_TIMEOUT", "2"}});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("swath image: cannot reach the Debian archive (the current Debian archive): "
                           "http://deb.debian.org/debian/dists/bookworm/InRelease: curl: (28)") != std::string::npos,
                r.err);
  CHECK(r.err.find("making the runtime root") == std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("make image: a locked version gone from the archive is named, with the command that refreshes the lock") {
  (void)image();
  test::ScratchDir dir;
  std::string lock = core::read_file(kRoot + "/packaging/apt-lock.txt");
  std::size_t replaced = 0;
  for (const std::string role : {"runtime libgdal32=", "runtime-root libgdal32="}) {
    const auto at = lock.find("\n" + role);
    REQUIRE(at != std::string::npos);
    lock.replace(at + 1, lock.find('\n', at + 1) - at - 1, role + "3.6.2+dfsg-0gone1");
    ++replaced;
  }
  REQUIRE(replaced == 2);
  test::write_text(dir / "lock.txt", lock);
  const auto r = build_with(dir, {{"SWATH_APT_LOCK", dir / "lock.txt"}});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(
      r.err.find("swath image: the Debian archive no longer has these locked versions: libgdal32=3.6.2+dfsg-0gone1 "
                 "(hint: make image-lock refreshes the lock from the archive") != std::string::npos,
      r.err);
  CHECK(r.out.empty());
}
