// Per-test scratch directories under the build tree, removed when the test ends.
#pragma once

#include <string>

namespace swath::test {

// The root for test files: $SWATH_TEST_TMP, else /tmp/swath-tests.
std::string scratch_root();

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes `content` to `path` (creating parents); throws on failure.
void write_text(const std::string& path, const std::string& content);

}  // namespace swath::test
