// The handler registry and the built-in kinds: noop, checksum, and the tile/detect placeholders.
#include "worker/handler.hpp"

#include <cpl_vsi.h>

#include <filesystem>
#include <thread>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "raster/fingerprint.hpp"

namespace swath::worker {

namespace {

constexpr std::int64_t ten_minutes_ms = 10 * 60 * 1000;

class NoopHandler final : public TaskHandler {
 public:
  bool writes_outputs() const override { return false; }
  std::int64_t default_timeout_ms() const override { return ten_minutes_ms; }
  HandlerResult run(const queue::Task& task, const HandlerContext&) override {
    // Optional simulated work, for scheduling tests: {"sleep_ms": N}.
    if (const auto* sleep = task.options.find("sleep_ms"); sleep != nullptr && sleep->is_int()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep->as_int()));
    }
    return {};
  }
};

class ChecksumHandler final : public TaskHandler {
 public:
  bool writes_outputs() const override { return true; }
  std::int64_t default_timeout_ms() const override { return ten_minutes_ms; }
  HandlerResult run(const queue::Task& task, const HandlerContext& context) override {
    HandlerResult result;
    for (const auto& input : task.inputs) {
      if (context.stop_requested()) throw core::IoError("checksum stopped", "the lease was lost or shutdown began");
      VSIStatBufL stat{};
      if (VSIStatL(input.c_str(), &stat) != 0) {
        throw core::DataError("cannot open input '" + input + "'", "it does not exist",
                              "check the path the task names");
      }
      if (VSI_ISDIR(stat.st_mode)) throw core::DataError("cannot open input '" + input + "'", "it is a directory");
      const std::string hash = raster::sha256_file_hex(input);  // IoError (transient) when it cannot be read
      const std::string name = std::filesystem::path(input).filename().string() + ".sha256";
      // The commit fsyncs before the rename.
      core::write_file_atomic(context.staging_dir + "/" + name,
                              hash + "  " + std::filesystem::path(input).filename().string() + "\n",
                              core::Durability::rename_only);
      result.outputs.push_back(name);
      result.bytes_read = result.bytes_read.value_or(0) + static_cast<std::uint64_t>(stat.st_size);
    }
    return result;
  }
};

class UnboundHandler final : public TaskHandler {
 public:
  explicit UnboundHandler(std::string kind) : kind_(std::move(kind)) {}
  bool writes_outputs() const override { return false; }
  HandlerResult run(const queue::Task&, const HandlerContext&) override {
    throw core::DataError("task kind '" + kind_ + "' is not available in this worker",
                          "this build has no " + kind_ + " handler bound",
                          "run a worker built with " + kind_ + " support");
  }

 private:
  std::string kind_;
};

}  // namespace

void HandlerRegistry::add(const std::string& kind, std::shared_ptr<TaskHandler> handler) {
  handlers_[kind] = std::move(handler);
}

TaskHandler* HandlerRegistry::find(const std::string& kind) const {
  const auto it = handlers_.find(kind);
  return it == handlers_.end() ? nullptr : it->second.get();
}

std::vector<std::string> HandlerRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [kind, handler] : handlers_) out.push_back(kind);
  return out;
}

HandlerRegistry builtin_handlers() {
  HandlerRegistry registry;
  registry.add("noop", std::make_shared<NoopHandler>());
  registry.add("checksum", std::make_shared<ChecksumHandler>());
  registry.add("tile", std::make_shared<UnboundHandler>("tile"));
  registry.add("detect", std::make_shared<UnboundHandler>("detect"));
  return registry;
}

}  // namespace swath::worker
