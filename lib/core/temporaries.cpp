// Temporary names that say whose they are (process, host), and the removal of those their process left behind.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/files.hpp"

namespace swath::core {

namespace fs = std::filesystem;

namespace {

// Whether process `pid` of this host still runs. A zombie does not: a run killed with its process group (`timeout
// -s KILL`) stays one for a moment before init reaps it, and the run started next would keep its temporaries.
bool process_runs(long pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;  // no /proc: as kill says
  const auto paren = line.rfind(')');          // the command name may hold spaces and parentheses
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

// This machine's name: pids only mean something on the host (pid namespace) that made them, and
// pods sharing a volume (an Indexed Job's shards) each have their own.
const std::string& host_name() {
  static const std::string name = [] {
    char text[256] = {};
    if (::gethostname(text, sizeof text - 1) != 0 || text[0] == '\0') return std::string("localhost");
    std::string out = text;
    for (char& c : out) {
      if (c == '/') c = '_';
    }
    return out;
  }();
  return name;
}

}  // namespace

std::string temporary_path_for(const std::string& final_path) {
  static std::atomic<unsigned long> counter{0};
  const fs::path target(final_path);
  const auto name = "." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter.fetch_add(1)) + "-" + host_name();
  return (target.parent_path() / name).string();
}

void remove_stale_temporaries(const std::string& dir, const std::string& only_for) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto mark = name.rfind(".tmp-");
    if (name.empty() || name[0] != '.' || mark == std::string::npos) continue;
    if (!only_for.empty() && name.compare(1, mark - 1, only_for) != 0) continue;
    const std::string rest = name.substr(mark + 5);  // PID-N-HOST (PID-N before host names were added)
    const auto dash = rest.find('-');
    if (dash == std::string::npos || dash == 0) continue;
    const long pid = std::strtol(rest.substr(0, dash).c_str(), nullptr, 10);
    if (pid <= 0 || pid == ::getpid()) continue;
    const auto host_dash = rest.find('-', dash + 1);
    if (host_dash != std::string::npos) {
      // HOST, HOST.ext when the caller appended an extension, HOST_temp.fgb (GDAL's FlatGeobuf writer's own
      // temporary next to ours), HOST.gpkg-journal (SQLite's).
      const std::string host = rest.substr(host_dash + 1);
      const bool ours =
          host == host_name() || host.rfind(host_name() + ".", 0) == 0 || host.rfind(host_name() + "_", 0) == 0;
      if (!ours) continue;  // another host's: not ours to judge
    }
    if (!process_runs(pid)) ::unlink(it->path().c_str());
  }
}

}  // namespace swath::core
