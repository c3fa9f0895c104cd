// Scratch directories for tests.
#include "support/scratch.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace swath::test {

namespace fs = std::filesystem;

std::string scratch_root() {
  const char* from_env = std::getenv("SWATH_TEST_TMP");
  std::string root = from_env != nullptr && *from_env != '\0' ? from_env : "/tmp/swath-tests";
  fs::create_directories(root);
  return root;
}

ScratchDir::ScratchDir() {
  std::string pattern = scratch_root() + "/t-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed under " + scratch_root());
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  // Restore permissions a test may have removed, so cleanup works.
  for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path_, ec);
}

void write_text(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace swath::test
